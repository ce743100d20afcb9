"""The `sla-sweep` deployment (hourly in working hours): breaches happen with no record changing."""

from __future__ import annotations

from prefect import flow, get_run_logger

from connectors.environment import load_settings
from flows.deployments.artifacts import publish_run
from flows.deployments.runtime import run_instant
from flows.runs.notify import notify_breaches
from flows.runs.sla_sweep import run_sla_sweep
from flows.wiring import notifier, open_services


@flow(name="sla-sweep", timeout_seconds=1800, validate_parameters=True)
def sla_sweep(
    notify: bool = True,
    definitions: str | None = None,
) -> dict[str, int]:
    """Re-evaluate every open SLA clock; flag new breaches once, clear the flags of worked leads.

    Args:
        notify: Send new breaches to LEADSYNC_NOTIFY_URLS (apprise).
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    settings = load_settings()
    with open_services(settings, definitions) as services:
        sweep = run_sla_sweep(services, as_of=run_instant())
    publish_run(sweep.report, "sla-sweep")
    if notify:
        notify_breaches(sweep.report, notifier(settings.run))
    get_run_logger().info("sla sweep: %s clocks, %s", sweep.clocks_checked, sweep.states)
    return {"clocks": sweep.clocks_checked, "new_breaches": sweep.report.new_breaches,
            "cleared_flags": sweep.report.cleared_flags, **sweep.states}
