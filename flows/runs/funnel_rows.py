"""The funnel's rows of each planned page, kept in the state store as the sync plans it (`flows.runs.batches`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from mapping.funnel import funnel_page

if TYPE_CHECKING:
    from flows.runs.batches import BatchResult
    from flows.runs.services import Services


def record_funnel(services: Services, batch: BatchResult, as_of: datetime) -> None:
    """Keep one planned page's funnel rows: its people's and records' stays, its records' drift facts."""
    page = funnel_page(batch.pairs, batch.duplicates, batch.leads, services.compiled, services.sla.calendar, as_of,
                       batch.plan.resolved)
    if page.records:
        services.state.save_funnel(page)
