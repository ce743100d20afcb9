"""The `backfill` deployment (RevOps, on demand): a time range in chunks, checkpointed and resumable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from pydantic import Field

from flows.backfill_run import run_backfill
from flows.prefect_support import as_task, publish_run, run_instant
from flows.wiring import open_services

System = Literal["salesforce", "hubspot"]


@flow(name="backfill", timeout_seconds=6 * 3600, validate_parameters=True)
def backfill(
    start: Annotated[datetime, Field(description="First instant to cover (UTC if no offset)")],
    end: Annotated[datetime, Field(description="End of the range (exclusive)")],
    systems: Annotated[list[System], Field(min_length=1)] = ["salesforce", "hubspot"],  # noqa: B006
    dry_run: Annotated[bool, Field(description="Plan only (default): nothing is written")] = True,
    chunk_days: Annotated[int, Field(ge=1, le=90, description="Days per chunk")] = 7,
    allow_mass_change: bool = False,
    definitions: str | None = None,
) -> dict[str, int]:
    if _utc(end) <= _utc(start):  # one parameter at a time cannot catch this; an empty range would "succeed" silently
        raise ValueError(f"end ({end.isoformat()}) must be after start ({start.isoformat()})")
    logger = get_run_logger()
    progress = create_progress_artifact(0.0, key="backfill-progress", description="chunks done")

    def advance(done: int, total: int, key: str) -> None:
        update_progress_artifact(progress, 100.0 * done / total)
        logger.info("chunk %s/%s done: %s", done, total, key)

    with open_services(definitions) as services:
        report = run_backfill(services, start=_utc(start), end=_utc(end), as_of=run_instant(), systems=systems,
                              dry_run=dry_run, chunk=timedelta(days=chunk_days), allow_mass_change=allow_mass_change,
                              batch_hook=as_task, progress=advance)
    for run in report.reports[-1:]:
        publish_run(run, "backfill")
    return {"chunks": len(report.chunks), "skipped_chunks": len(report.skipped_chunks),
            "corrections": report.corrections}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
