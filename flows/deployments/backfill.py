"""The `backfill` deployment (RevOps, on demand): a time range in chunks, checkpointed and resumable; fanned out over
the work pool's workers in `slices` when it is wide."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from prefect import flow, get_run_logger
from pydantic import Field

from connectors.environment import load_settings
from flows.deployments.artifacts import progress_of_chunks, publish_backfill
from flows.deployments.fanout import fan_out_backfill, slice_gate, slice_settings
from flows.deployments.parameters import Instant, System, utc
from flows.deployments.runtime import as_task, run_instant
from flows.runs.backfill import run_backfill, slice_windows
from flows.wiring import open_services


@flow(name="backfill", timeout_seconds=6 * 3600, validate_parameters=True)
def backfill(start: Instant, end: Instant,
             systems: Annotated[list[System], Field(min_length=1)] = ["salesforce", "hubspot"],  # noqa: B006
             dry_run: bool = True, chunk_days: Annotated[int, Field(ge=1, le=90)] = 7, allow_mass_change: bool = False,
             definitions: str | None = None, slices: Annotated[int, Field(ge=1, le=32)] = 1,
             part_of: Annotated[int, Field(ge=1, le=32)] = 1) -> dict[str, Any]:
    """Walk a past range in chunks, checkpointed: a rerun resumes where the last one stopped.

    Args:
        start: First instant to cover: a date (2026-01-01) or an ISO 8601 instant; UTC when no offset is given.
        end: End of the range (exclusive), after start.
        systems: Which systems to pull (salesforce, hubspot).
        dry_run: Plan only (the default): nothing is written.
        chunk_days: Days per chunk (1-90); each chunk is a checkpoint.
        allow_mass_change: Apply even past the blast-radius guard.
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
        slices: Run the range as this many concurrent flow runs on the pool's workers (1: this run walks it all).
        part_of: Set by a fanned-out backfill on its slices: how many share the API budget and rate limits.
    """
    start, end = utc(start), utc(end)
    if end <= start:  # a schema checks one parameter at a time; an empty range would "succeed" silently
        raise ValueError(f"end ({end.isoformat()}) must be after start ({start.isoformat()})")
    chunk = timedelta(days=chunk_days)
    if slices > 1:
        return fan_out_backfill(slice_windows(start, min(end, run_instant()), chunk, slices), {
            "systems": systems, "dry_run": dry_run, "chunk_days": chunk_days, "allow_mass_change": allow_mass_change,
            "definitions": definitions})
    with open_services(slice_settings(load_settings(), part_of), definitions, call_gate=slice_gate(part_of)) as services:
        report = run_backfill(services, start=start, end=end, as_of=run_instant(), systems=systems, dry_run=dry_run,
                              chunk=chunk, allow_mass_change=allow_mass_change, batch_hook=as_task,
                              progress=progress_of_chunks(get_run_logger()), one_of_slices=part_of > 1)
    publish_backfill(report)
    return {"chunks": len(report.chunks), "skipped_chunks": len(report.skipped_chunks),
            "corrections": report.corrections}
