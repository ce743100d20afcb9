"""What the Prefect flows share at run time: one task per batch, and the instant a run covers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.runtime import flow_run


def as_task(name: str, thunk: Callable[[], Any]) -> Any:
    """Run one batch as a Prefect task (never one task per lead: a batch is up to 2,000 records)."""
    return task(name=name, retries=0, persist_result=False)(thunk)()


def run_instant() -> datetime:
    """A scheduled run covers its slot: use the scheduled start, else now (also for late or manual runs).

    A plain `datetime`: Prefect hands a pendulum DateTime, whose differences do not divide like timedeltas.
    """
    scheduled = flow_run.scheduled_start_time
    now = datetime.now(UTC)
    if isinstance(scheduled, datetime):
        utc = scheduled.astimezone(UTC)
        return min(datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=UTC), now)
    return now
