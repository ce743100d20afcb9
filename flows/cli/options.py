"""What every `leadsync` command shares: the exit codes, the options used by several commands, the reading of
`--as-of` style instants, and the translation of the error tree into messages and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from connectors.errors import ConfigurationError, ConnectorError, RunLockedError
from flows.runs.sync import FutureAsOfError, check_as_of
from mapping.business_time import CLOCK_LATEST, EARLIEST, clock_range
from mapping.errors import DefinitionError

EXIT_OK = 0
EXIT_FAILED = 1  # e.g. an invalid definition, a failed write, a missing setting
EXIT_USAGE = 2  # typer's own code for a bad option (typer.BadParameter)
EXIT_BLOCKED = 3  # a guard: the blast radius, another run in progress

DefinitionsOption = Annotated[Path | None, typer.Option("--definitions", help="Definition directory.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]

T = TypeVar("T")


def instant_option(value: str | None, option: str) -> datetime:
    """An ISO 8601 instant given as `option`, in UTC (naive means UTC); now when not given."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        message = f"{value!r} is not an ISO 8601 instant, e.g. 2026-11-23T15:00:00Z"
        raise typer.BadParameter(message, param_hint=f"'{option}'") from None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the first instant a datetime holds in UTC
        raise typer.BadParameter(f"{value!r} lies outside the years 1-9999 in UTC", param_hint=f"'{option}'") from None


def as_of_option(value: str | None, option: str = "--as-of") -> datetime:
    """The instant decisions and SLA clocks are evaluated at: one the business calendar can measure from."""
    instant = instant_option(value, option)
    if not clock_range(instant):
        message = (f"{value!r} lies outside {EARLIEST:%Y-%m-%d} to {CLOCK_LATEST:%Y-%m-%d}, the instants the business "
                   "calendar can run SLA clocks at")
        raise typer.BadParameter(message, param_hint=f"'{option}'")
    return instant


def refuse_future(instant: datetime, instead: str = "") -> None:
    """An applying run writes, flags and moves watermarks now: refuse an as-of beyond the wall clock (exit 2).

    `instead` names this command's own way to look ahead without writing (e.g. "add --dry-run")."""
    try:
        check_as_of(instant, datetime.now(UTC), applying=True)
    except FutureAsOfError as exc:
        raise typer.BadParameter(f"{exc}" + (f", or {instead}" if instead else ""), param_hint="'--as-of'") from None


def guarded(action: Callable[[], T]) -> T:
    """Run `action`, turning the error tree into clear messages and exit codes (never a traceback)."""
    err = Console(stderr=True)
    try:
        return action()
    except RunLockedError as exc:
        err.print(f"blocked: {exc}", markup=False)
        raise typer.Exit(EXIT_BLOCKED) from None
    except ConfigurationError as exc:
        err.print(f"configuration: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    except DefinitionError as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    except ConnectorError as exc:
        if isinstance(exc.__cause__, ConfigurationError):  # a connector wrapped a missing setting: name the variable
            err.print(f"configuration: {exc.__cause__}", markup=False, soft_wrap=True)
        else:
            err.print(f"failed: {exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
