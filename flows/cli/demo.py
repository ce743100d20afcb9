"""`leadsync demo`: what `make demo` runs on the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from connectors.environment import definitions_directory
from flows.cli.definitions import RenderFormat, load_or_exit, render_text
from flows.cli.options import EXIT_FAILED
from mapping.definition.models import Definition, Stage
from mapping.definition.wording import describe_criteria, describe_duration

OUTPUT_DIR = Path(".leadsync")


def demo_command(
    directory: Annotated[Path | None, typer.Argument(help="Definition directory.", show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Where the demo writes its files.")] = OUTPUT_DIR,
    leads: Annotated[int, typer.Option(min=10, max=200_000, help="People in the sandbox.")] = 3_000,
) -> None:
    """The whole job on the embedded default: sandbox, provisioning, plan, apply, SLA sweep, report, convergence."""
    from flows.cli.demo_job import run_demo

    console = Console()
    directory = definitions_directory(directory)
    definition = load_or_exit(directory, Console(stderr=True))
    console.print(_summary_table(definition))
    for output_format in RenderFormat:
        path = out / f"definition.{output_format.value}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_text(definition, output_format), encoding="utf-8")
    console.print(f"Published the definition to {out}/definition.md, .html and .json", markup=False, highlight=False)
    remaining = run_demo(console, out, directory, leads)
    if remaining:
        console.print(f"The second sync still planned {remaining} corrections: it did not converge.", style="red")
        raise typer.Exit(EXIT_FAILED)


def _summary_table(definition: Definition) -> Table:
    table = Table(title=f"{definition.lifecycle.name} — v{definition.version}", show_lines=True)
    for column in ("stage", "owner", "entry criteria", "SLA", *definition.systems):
        table.add_column(column)
    for stage in definition.ladder + [s for s in definition.stages if s.side]:
        writes = [
            ", ".join(f"{v}" for v in (mapping.write_values(stage.key) or {}).values()) or "—"
            for mapping in definition.systems.values()
        ]
        place = f"{stage.rank}. " if stage.rank else "side: "
        table.add_row(
            f"{place}{stage.label} ({stage.key})",
            stage.owner.value,
            "\n".join(describe_criteria(stage.criteria)) or "—",
            _short_sla(stage),
            *writes,
        )
    return table


def _short_sla(stage: Stage) -> str:
    if stage.sla is None:
        return "—"
    budget = stage.sla.budget.total_seconds()
    return f"{describe_duration(budget)} (at risk after {describe_duration(budget * stage.sla.warn_at)})"
