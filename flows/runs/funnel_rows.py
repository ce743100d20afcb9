"""The funnel's rows of each planned page: a sync keeps them with the page (`flows.runs.page_writes`), a rebuild here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from mapping.funnel import FunnelPage, funnel_page

if TYPE_CHECKING:
    from flows.runs.batches import BatchResult
    from flows.runs.services import Services


def funnel_rows(services: Services, batch: BatchResult, as_of: datetime) -> FunnelPage:
    """One planned page's funnel rows: its people's and records' stays, its records' drift facts."""
    return funnel_page(batch.pairs, batch.duplicates, batch.leads, services.compiled, services.sla.calendar, as_of,
                       batch.plan.resolved)


def record_funnel(services: Services, batch: BatchResult, as_of: datetime) -> None:
    """Keep one planned page's funnel rows."""
    page = funnel_rows(services, batch, as_of)
    if page.records:
        services.state.save_funnel(page)
