"""The `provision-stages` deployment (on demand): add the stage values the definition needs (dry run by default)."""

from __future__ import annotations

from prefect import flow, get_run_logger

from connectors.environment import load_settings
from flows.deployments.artifacts import publish_stage_values
from flows.runs.provision import run_provision
from flows.wiring import open_services


@flow(name="provision-stages", timeout_seconds=600, validate_parameters=True)
def provision_stages(
    dry_run: bool = True,
    definitions: str | None = None,
) -> dict[str, int]:
    """Add the stage values the definition needs and the CRM lacks.

    Args:
        dry_run: Show what would be added; add nothing.
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    with open_services(load_settings(), definitions) as services:
        report = run_provision(services, dry_run=dry_run)
    publish_stage_values(report)
    get_run_logger().info("%s stage value(s) %s", report.to_add, "to add" if dry_run else "added")
    return {"to_add": report.to_add, "added": 0 if dry_run else report.to_add}
