"""What every Prefect flow shares: one task per batch, the run instant, and artifacts of a run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows.runs.backfill import BackfillReport
from flows.render.plan import TABLE_LIMIT, backfill_markdown, run_markdown
from flows.runs.sync import RunReport
from mapping.plan import Correction


def as_task(name: str, thunk: Callable[[], Any]) -> Any:
    """Run one batch as a Prefect task (never one task per lead: a batch is up to 2,000 records)."""
    return task(thunk, name=name, retries=0, persist_result=False)()


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


def publish_run(report: RunReport, key: str) -> None:
    """A summary and a table of corrections as Prefect artifacts (capped; the state store has everything)."""
    create_markdown_artifact(run_markdown(report), key=f"{key}-summary", description=f"leadsync {report.kind}")
    _publish_corrections(report.corrections, key)


def publish_backfill(report: BackfillReport) -> None:
    """One summary over every chunk of the backfill, and the first corrections of all chunks (not only the last)."""
    create_markdown_artifact(backfill_markdown(report), key="backfill-summary", description="leadsync backfill")
    _publish_corrections([c for run in report.reports for c in run.corrections], "backfill")


def _publish_corrections(corrections: Sequence[Correction], key: str) -> None:
    rows = [
        {"system": c.system, "record": c.record_id, "field": c.field, "before": c.before, "after": c.after,
         "rule": c.rule, "reason": c.reason}
        for c in corrections[:TABLE_LIMIT]
    ]
    if rows:
        create_table_artifact(rows, key=f"{key}-corrections", description="corrections (first rows)")
