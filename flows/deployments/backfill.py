"""The `backfill` deployment (RevOps, on demand): a time range in chunks, checkpointed and resumable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from pydantic import Field

from flows.runs.backfill import run_backfill
from flows.deployments.support import as_task, publish_backfill, run_instant
from flows.wiring import open_services

System = Literal["salesforce", "hubspot"]


# The server checks a parameter schema's `pattern` but not its `format`: without this, `start="not-a-date"` is
# accepted when the run is created and fails only on the worker. Dates or ISO 8601 instants (years 1000-2999), as
# pydantic reads them. [0-9], not \d: Python's \d matches any Unicode digit; the lookahead refuses a newline,
# which `$` would let through at the end.
ISO_INSTANT = (r"^(?![^\n]*\n)[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
               r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$")
Instant = Annotated[datetime, Field(json_schema_extra={"pattern": ISO_INSTANT})]


@flow(name="backfill", timeout_seconds=6 * 3600, validate_parameters=True)
def backfill(
    start: Instant,
    end: Instant,
    systems: Annotated[list[System], Field(min_length=1)] = ["salesforce", "hubspot"],  # noqa: B006
    dry_run: bool = True,
    chunk_days: Annotated[int, Field(ge=1, le=90)] = 7,
    allow_mass_change: bool = False,
    definitions: str | None = None,
) -> dict[str, int]:
    """Walk a past range in chunks, checkpointed: a rerun resumes where the last one stopped.

    Args:
        start: First instant to cover: a date (2026-01-01) or an ISO 8601 instant; UTC when no offset is given.
        end: End of the range (exclusive), after start.
        systems: Which systems to pull (salesforce, hubspot).
        dry_run: Plan only (the default): nothing is written.
        chunk_days: Days per chunk (1-90); each chunk is a checkpoint.
        allow_mass_change: Apply even past the blast-radius guard.
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    start, end = _utc(start), _utc(end)
    if end <= start:  # a schema checks one parameter at a time; an empty range would "succeed" silently
        raise ValueError(f"end ({end.isoformat()}) must be after start ({start.isoformat()})")
    logger = get_run_logger()
    progress = create_progress_artifact(0.0, key="backfill-progress", description="chunks done")

    def advance(done: int, total: int, key: str) -> None:
        update_progress_artifact(progress, 100.0 * done / total)
        logger.info("chunk %s/%s done: %s", done, total, key)

    with open_services(definitions) as services:
        report = run_backfill(services, start=start, end=end, as_of=run_instant(), systems=systems,
                              dry_run=dry_run, chunk=timedelta(days=chunk_days), allow_mass_change=allow_mass_change,
                              batch_hook=as_task, progress=advance)
    publish_backfill(report)
    return {"chunks": len(report.chunks), "skipped_chunks": len(report.skipped_chunks),
            "corrections": report.corrections}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
