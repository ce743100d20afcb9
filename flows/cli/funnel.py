"""`leadsync funnel`: the funnel in the shared vocabulary, and the drift between each system's numbers and the
definition's, from the state store (the sync keeps the rows; `--rebuild` makes them again from the snapshots).

It needs no credentials: without both systems' credentials it opens the state store alone and makes no API call
(owners never named in the store are shown by id)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from connectors.errors import ConfigurationError
from flows.cli.options import DefinitionsOption, JsonOption, guarded
from mapping.funnel_periods import PeriodKind

if TYPE_CHECKING:
    from connectors.settings import Settings
    from flows.runs.services import Services


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
    from flows.render.funnel import UNNAMED_NOTE, render_funnel_markdown
    from flows.runs.funnel import FunnelQuery, build_funnel, funnel_document

    first = _day(since, "--since")
    last = _day(until, "--until")

    def action() -> tuple[str, dict[str, Any], bool]:
        with funnel_services(definitions) as services:
            zone = services.compiled.zone
            end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC) if last else datetime.now(UTC)
            try:
                query = FunnelQuery(end, first, period, by.value)
                funnel = build_funnel(services, query, rebuild=rebuild)
            except ValueError as exc:  # the range: empty, or more periods than a table can show
                raise typer.BadParameter(str(exc), param_hint="'--since'/'--until'") from None
            return render_funnel_markdown(funnel), funnel_document(funnel), funnel.unnamed_owners

    markdown, document, unnamed = guarded(action)
    if as_json:
        typer.echo(json.dumps(document))
        if unnamed:  # the JSON keeps its keys; the note goes beside it
            Console(stderr=True).print(f"note: {UNNAMED_NOTE}", markup=False, highlight=False, soft_wrap=True)
        return
    Console().print(markdown, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def funnel_services(definitions: Path | None) -> Iterator[Services]:
    """The services of one funnel: wired to both systems when their credentials are configured (owners never named
    in the store are looked up), else the state store and the definition alone, so nothing calls a system."""
    from connectors.environment import load_settings
    from flows.wiring import open_services

    settings = load_settings()
    opened = open_services(settings, definitions) if credentials_configured(settings) \
        else _store_services(settings, definitions)
    with opened as services:
        yield services


@contextmanager
def _store_services(settings: Settings, definitions: Path | None) -> Iterator[Services]:
    """The definition and the state store, no system: what the funnel reads."""
    from connectors.store.sql_state import open_run_state
    from flows.runs.services import Services
    from flows.wiring import load_compiled

    compiled = load_compiled(definitions or settings.run.definitions)
    state = open_run_state(settings.run.database_url)
    try:
        yield Services(compiled, {}, state, settings.run)
    finally:
        state.close()


def credentials_configured(settings: Settings) -> bool:
    """Both systems' credentials are complete (wiring a system logs in, and needs both)."""
    try:
        _ = settings.salesforce.auth, settings.hubspot.token()  # each raises, naming what is missing
    except ConfigurationError:
        return False
    return True


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date, e.g. 2026-11-01", param_hint=f"'{option}'") from None
