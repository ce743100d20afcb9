"""`leadsync definitions check|render`: validate and publish the universal lead definition."""

from __future__ import annotations

import json
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from connectors.definition_files import load_definition
from connectors.environment import definitions_directory
from flows.cli.options import EXIT_FAILED, as_of_option, guarded
from flows.render.definition import definition_document, render_html, render_markdown
from mapping.definition.models import Definition
from mapping.errors import DefinitionError

definitions_app = typer.Typer(help="Validate and publish the universal lead definition.", no_args_is_help=True)

DirArgument = Annotated[
    Path | None,
    typer.Argument(help="Definition directory (default: $LEADSYNC_DEFINITIONS, else ./definitions).", show_default=False),
]


class RenderFormat(StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


def load_or_exit(directory: Path | None, err: Console) -> Definition:
    """Load the definition (default: $LEADSYNC_DEFINITIONS, else ./definitions), or print every located problem
    and exit 1 (never a traceback)."""
    where = definitions_directory(directory)
    try:
        return load_definition(where)
    except DefinitionError as exc:
        err.print(f"✗ {where}: {len(exc.issues)} problem(s) in the lead definition", style="bold red", markup=False, soft_wrap=True)
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None


@definitions_app.command("check")
def check(directory: DirArgument = None) -> None:
    """Validate a definition: exit 0 when valid, 1 with every problem located by file, line and field."""
    err = Console(stderr=True)
    definition = load_or_exit(directory, err)
    ladder = " → ".join(stage.key for stage in definition.ladder)
    side = ", ".join(stage.key for stage in definition.stages if stage.side) or "none"
    Console().print(
        f"✓ {definitions_directory(directory)}: {definition.lifecycle.name} v{definition.version} is valid "
        f"(ladder {ladder}; side stages {side})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@definitions_app.command("render")
def render(
    directory: DirArgument = None,
    output_format: Annotated[RenderFormat, typer.Option("--format", "-f", help="md, html or json")] = RenderFormat.MD,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """Publish the definition: stages in order with criteria in plain words, SLAs and each system's values."""
    definition = load_or_exit(directory, Console(stderr=True))
    text = render_text(definition, output_format)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    Console(stderr=True).print(f"wrote {out}", markup=False, highlight=False)


def render_text(definition: Definition, output_format: RenderFormat) -> str:
    if output_format is RenderFormat.JSON:
        return json.dumps(definition_document(definition), indent=2, ensure_ascii=False) + "\n"
    if output_format is RenderFormat.HTML:
        return render_html(definition)
    return render_markdown(definition)


@definitions_app.command("impact")
def impact(
    new: Annotated[Path, typer.Argument(help="The proposed definition directory.", show_default=False)],
    against: Annotated[Path | None, typer.Option("--against", help="The current definition (default: $LEADSYNC_DEFINITIONS, else ./definitions).")] = None,
    live: Annotated[bool, typer.Option("--live", help="Pull fresh through the connectors (reads only) instead of replaying the state store.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate SLAs as of this ISO instant (default: now).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for machines, every affected lead included (affected_leads).")] = False,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Also write every affected lead to this CSV file, one row each.")] = None,
) -> None:
    """Preview a definition change: replay the known leads through both definitions and show what would change."""
    from flows.render.impact import impact_csv, impact_markdown

    err = Console(stderr=True)
    old_definition, new_definition = load_or_exit(against, err), load_or_exit(new, err)
    instant = as_of_option(as_of, "--as-of")
    result = guarded(lambda: _run_impact(old_definition, new_definition, instant, live,
                                          (str(definitions_directory(against)), str(new))))
    summary = result.summary()
    if csv_file is not None:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        csv_file.write_text(impact_csv(summary), encoding="utf-8")
        err.print(f"wrote {csv_file} ({len(summary['affected_leads'])} affected leads)", markup=False, highlight=False)
    if as_json:
        typer.echo(json.dumps(summary, sort_keys=True))
        return
    Console().print(impact_markdown(summary), markup=False, highlight=False, soft_wrap=True)


def _run_impact(old: Definition, new: Definition, as_of: Any, live: bool, labels: tuple[str, str]) -> Any:
    from connectors.environment import load_settings
    from connectors.settings import RunSettings, build
    from connectors.store.sql_state import open_run_state
    from flows.runs.impact import run_impact
    from flows.wiring import services_for
    from mapping.definition.compiled import compile_definition

    settings = build(RunSettings)
    state = open_run_state(settings.database_url)
    try:  # a replay needs the state store alone; only a live pull reads the credentials
        pull = partial(services_for, settings=load_settings(settings), state=state) if live else None
        return run_impact(state, settings, compile_definition(old), compile_definition(new), as_of=as_of, live=pull,
                          labels=labels)
    finally:
        state.close()
