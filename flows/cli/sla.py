"""`leadsync sla`: sweep every open SLA clock now (flag new breaches once, clear worked ones)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap
from flows.cli.options import DefinitionsOption, JsonOption, as_of_option, guarded, refuse_future
from flows.render.plan import plan_document


def sla_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Sweep as of this ISO instant, not in the future "
                                                      "(default: now).")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Sweep every open SLA clock now: flag new breaches once, clear worked ones."""
    from flows.runs.sla_sweep import run_sla_sweep

    instant = as_of_option(as_of)
    refuse_future(instant)

    def action() -> Any:
        with bootstrap(definitions) as services:
            return run_sla_sweep(services, as_of=instant)

    sweep = guarded(action)
    if as_json:
        typer.echo(json.dumps(plan_document(sweep.report)["sla"]))
        return
    Console().print(f"{sweep.clocks_checked} clock(s) checked: {sweep.states}; {sweep.report.new_breaches} new "
                    f"breach(es) flagged, {sweep.report.cleared_flags} flag(s) cleared", markup=False)
