"""The `revert` deployment (on demand): undo a run's corrections where the CRM still holds our value."""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from pydantic import Field

from connectors.environment import load_settings
from flows.deployments.runtime import run_instant
from flows.runs.revert import run_revert
from flows.wiring import open_services


@flow(name="revert", timeout_seconds=1800, validate_parameters=True)
def revert(
    run_id: Annotated[str, Field(min_length=8)],
    definitions: str | None = None,
) -> dict[str, int]:
    """Undo a run's corrections where the CRM still holds the value leadsync wrote.

    Args:
        run_id: The leadsync run whose corrections to undo (`leadsync runs` lists them).
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    with open_services(load_settings(), definitions) as services:
        report = run_revert(services, run_id, as_of=run_instant())
    get_run_logger().info("reverted %s, left %s changed since", len(report.reverted), len(report.changed_since))
    return {"reverted": len(report.reverted), "changed_since": len(report.changed_since)}
