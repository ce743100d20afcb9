"""`leadsync funnel`: the funnel in the shared vocabulary, and the drift between each system's numbers and the
definition's, from the state store (the sync keeps the rows; `--rebuild` makes them again from the snapshots)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap
from flows.cli.options import DefinitionsOption, JsonOption, guarded
from mapping.funnel_periods import PeriodKind


class Grouping(StrEnum):
    NONE = "none"
    OWNER = "owner"
    SOURCE = "source"


def funnel_command(
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD; default: 12 periods back).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, included (YYYY-MM-DD; default: now).")] = None,
    period: Annotated[PeriodKind, typer.Option("--period", help="Calendar weeks or months.")] = PeriodKind.MONTH,
    by: Annotated[Grouping, typer.Option("--by", help="Split the funnel by the person's owner or source.")] = Grouping.NONE,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Make the funnel rows again from the snapshots first.")] = False,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """People entering and at each stage per period, cohort conversion, velocity, SLA trend, and the drift."""
    from flows.render.funnel import render_funnel_markdown
    from flows.runs.funnel import FunnelQuery, build_funnel, funnel_document

    first = _day(since, "--since")
    last = _day(until, "--until")

    def action() -> tuple[str, dict[str, Any]]:
        with bootstrap(definitions) as services:
            zone = services.compiled.zone
            end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC) if last else datetime.now(UTC)
            try:
                query = FunnelQuery(end, first, period, by.value)
                funnel = build_funnel(services, query, rebuild=rebuild)
            except ValueError as exc:  # the range: empty, or more periods than a table can show
                raise typer.BadParameter(str(exc), param_hint="'--since'/'--until'") from None
            return render_funnel_markdown(funnel), funnel_document(funnel)

    markdown, document = guarded(action)
    if as_json:
        typer.echo(json.dumps(document))
        return
    Console().print(markdown, markup=False, highlight=False, soft_wrap=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date, e.g. 2026-11-01", param_hint=f"'{option}'") from None
