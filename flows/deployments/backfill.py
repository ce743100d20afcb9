"""The `backfill` deployment (RevOps, on demand): a time range in chunks, checkpointed and resumable."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from prefect import flow, get_run_logger
from pydantic import Field

from connectors.environment import load_settings
from flows.deployments.artifacts import progress_of_chunks, publish_backfill
from flows.deployments.parameters import Instant, System, utc
from flows.deployments.runtime import as_task, run_instant
from flows.runs.backfill import run_backfill
from flows.wiring import open_services


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
    start, end = utc(start), utc(end)
    if end <= start:  # a schema checks one parameter at a time; an empty range would "succeed" silently
        raise ValueError(f"end ({end.isoformat()}) must be after start ({start.isoformat()})")
    advance = progress_of_chunks(get_run_logger())
    with open_services(load_settings(), definitions) as services:
        report = run_backfill(services, start=start, end=end, as_of=run_instant(), systems=systems,
                              dry_run=dry_run, chunk=timedelta(days=chunk_days), allow_mass_change=allow_mass_change,
                              batch_hook=as_task, progress=advance)
    publish_backfill(report)
    return {"chunks": len(report.chunks), "skipped_chunks": len(report.skipped_chunks),
            "corrections": report.corrections}
