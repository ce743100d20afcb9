"""`leadsync explain`: why is this lead in this stage? A readable timeline, or `--json` for tools."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap
from flows.cli.options import EXIT_FAILED, DefinitionsOption, JsonOption, as_of_option, guarded
from flows.render.story import render_story


def explain_command(
    lead: Annotated[str, typer.Argument(help="An email, a Salesforce Lead id or a HubSpot contact id.", show_default=False)],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Tell the story as of this ISO instant (default: now).")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """One lead's story: both records, the evidence timeline, the decided stage and why, its SLA."""
    from flows.runs.explain import LeadNotFoundError, explain_lead

    instant = as_of_option(as_of, "--as-of")

    def action() -> Any:
        with bootstrap(definitions) as services:
            return explain_lead(services, lead, instant)

    try:
        story = guarded(action)
    except LeadNotFoundError as exc:
        Console(stderr=True).print(str(exc), markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        typer.echo(json.dumps(story.as_dict(), sort_keys=True))
        return
    Console().print(render_story(story.as_dict()), markup=False, highlight=False, soft_wrap=True)
