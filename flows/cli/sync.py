"""`leadsync sync` and `leadsync plan`: the incremental sync, applied or as a plan, straight from a terminal.

They call the same run functions as the Prefect flows, directly (no Prefect server needed), so they start fast.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.cli.bootstrap import bootstrap
from flows.cli.options import (
    EXIT_BLOCKED,
    EXIT_FAILED,
    DefinitionsOption,
    JsonOption,
    as_of_option,
    guarded,
    refuse_future,
)
from flows.render.plan import corrections_by_rule, iso, plan_document, sla_by_state
from flows.runs.owner_names import name_report_owners
from flows.runs.sync import RunReport


def sync_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; write nothing.")] = False,
    allow_mass_change: Annotated[bool, typer.Option("--allow-mass-change", help="Override the blast-radius guard.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Decide and evaluate SLAs as of this ISO instant "
                                                      "(default: now); a future one only with --dry-run.")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Incremental sync of both systems since the last watermark."""
    from flows.runs.sync import run_sync

    instant = as_of_option(as_of, "--as-of")
    if not dry_run:
        refuse_future(instant, "add --dry-run")

    def action() -> RunReport:
        with bootstrap(definitions) as services:
            report = run_sync(services, as_of=instant, dry_run=dry_run, allow_mass_change=allow_mass_change)
            if as_json:
                name_report_owners(services, report)
            return report

    report = guarded(action)
    print_report(report, as_json)
    exit_for(report)


def plan_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate as of this ISO instant (default: now).")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """The plan a sync would make now (a dry run): every lead's decision, corrections, SLA clocks, stages,
    violations, unmapped, duplicates; exit 3 when a guard would block the real sync."""
    from flows.runs.provision import plan_stages
    from flows.runs.sync import run_sync

    instant = as_of_option(as_of)

    def action() -> tuple[RunReport, Any]:
        with bootstrap(definitions) as services:
            report = run_sync(services, as_of=instant, dry_run=True, keep_decisions=as_json)
            if as_json:
                name_report_owners(services, report)
            return report, plan_stages(services)

    report, stages = guarded(action)
    if as_json:
        typer.echo(json.dumps(plan_document(report, stages), ensure_ascii=False))
    else:
        print_report(report, False)
    exit_for(report)


def print_report(report: RunReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plan_document(report), ensure_ascii=False))
        return
    console = Console()
    console.print(f"{report.kind} {report.run_id} — {report.status} as of {iso(report.as_of)}", markup=False)
    if report.message:
        console.print(report.message, markup=False, style="yellow")
    if report.would_block:
        console.print(f"the real run would be blocked: {report.would_block} (exit 3; --allow-mass-change overrides)",
                      markup=False, style="yellow")
    table = Table("measure", "value")
    for key, value in report.counts().items():
        table.add_row(key, str(value))
    for rule, count in corrections_by_rule(report).most_common():
        table.add_row(f"corrections: {rule}", str(count))
    for state, count in sla_by_state(report).most_common():
        table.add_row(f"sla: {state}", str(count))
    console.print(table)


def exit_for(report: RunReport) -> None:
    """A dry run exits as the real run would: 3 when a guard would block it."""
    if report.status == "blocked" or report.would_block:
        raise typer.Exit(EXIT_BLOCKED)
    if report.status not in ("succeeded", "dry_run"):
        raise typer.Exit(EXIT_FAILED)
