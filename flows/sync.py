"""The `sync` deployment: incremental from both systems since the watermarks; dry run stops before apply."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.states import Failed
from pydantic import Field

from flows.prefect_support import as_task, publish_run, run_instant
from flows.sync_run import run_sync
from flows.wiring import open_services


@flow(name="sync", timeout_seconds=600, validate_parameters=True)
def sync(
    dry_run: Annotated[bool, Field(description="Plan only: write nothing to either system")] = False,
    allow_mass_change: Annotated[bool, Field(description="Apply even past the blast-radius guard")] = False,
    definitions: Annotated[str | None, Field(description="Definition directory (default: LEADSYNC_DEFINITIONS)")] = None,
) -> dict[str, Any]:
    logger = get_run_logger()
    with open_services(definitions) as services:
        report = run_sync(services, as_of=run_instant(), dry_run=dry_run, allow_mass_change=allow_mass_change,
                          batch_hook=as_task)
    publish_run(report, "sync")
    logger.info("sync %s: %s", report.status, report.counts())
    if report.status == "blocked":
        return Failed(message=f"blocked by the blast-radius guard: {report.message}")  # type: ignore[return-value]
    return {"run_id": report.run_id, "status": report.status, **report.counts()}
