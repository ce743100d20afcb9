"""`leadsync stages`: the stage values the definition needs and the systems lack (added with --apply)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.cli.bootstrap import bootstrap
from flows.cli.options import EXIT_FAILED, DefinitionsOption, guarded


def stages_command(
    apply: Annotated[bool, typer.Option("--apply", help="Add the missing values (default: show them).")] = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Show (or with --apply, add) the stage values the definition needs and the systems lack."""
    from flows.runs.provision import run_provision

    def action() -> Any:
        with bootstrap(definitions) as services:
            return run_provision(services, dry_run=not apply)

    report = guarded(action)
    table = Table("system", "field", "value", "stage")
    for diff in report.diffs:
        for value in diff.to_add:
            table.add_row(diff.system, diff.field, value.value, value.stage or "")
    Console().print(table)
    Console().print(f"{report.to_add} value(s) {'added' if apply else 'to add (use --apply)'}", markup=False)
    _print_annotation_fields(report.annotations)
    if apply and not all(o.ok for o in report.outcomes):
        raise typer.Exit(EXIT_FAILED)


def _print_annotation_fields(fields: list[Any]) -> None:
    """Annotation fields are never created by leadsync: an admin creates them; until then they are skipped."""
    if not fields:
        return
    table = Table("system", "annotation", "field", "type", "present")
    for item in fields:
        present = {True: "yes", False: "no: create it", None: "unknown"}[item.present]
        table.add_row(item.system, item.role, item.field, item.kind, present)
    Console().print(table)
    missing = sum(1 for item in fields if item.present is False)
    if missing:
        Console().print(f"{missing} annotation field(s) missing: leadsync skips them (with a warning) until they "
                        "are created", markup=False)
