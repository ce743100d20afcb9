"""The `sync` deployment: incremental from both systems since the watermarks; dry run stops before apply."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Failed

from connectors.environment import load_settings
from flows.deployments.artifacts import publish_run
from flows.deployments.runtime import as_task, run_instant
from flows.runs.sync import run_sync
from flows.wiring import open_services


@flow(name="sync", timeout_seconds=600, validate_parameters=True)
def sync(
    dry_run: bool = False,
    allow_mass_change: bool = False,
    definitions: str | None = None,
) -> dict[str, Any]:
    """Pull both systems since their watermarks, correct stages, flag SLA breaches.

    Args:
        dry_run: Plan only: write nothing to either system.
        allow_mass_change: Apply even past the blast-radius guard.
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    logger = get_run_logger()
    with open_services(load_settings(), definitions) as services:
        report = run_sync(services, as_of=run_instant(), dry_run=dry_run, allow_mass_change=allow_mass_change,
                          batch_hook=as_task)
    publish_run(report, "sync")
    logger.info("sync %s: %s", report.status, report.counts())
    if report.status == "blocked":
        return Failed(message=f"blocked by the blast-radius guard: {report.message}")  # type: ignore[return-value]
    if report.would_block:
        logger.warning("the real run would be blocked: %s", report.would_block)
    return {"run_id": report.run_id, "status": report.status, "would_block": report.would_block or None,
            **report.counts()}
