"""`leadsync backfill`: walk a past time range in chunks, checkpointed (a dry run unless --apply)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap
from flows.cli.options import EXIT_BLOCKED, DefinitionsOption, as_of_option, guarded, instant_option, refuse_future


class System(StrEnum):
    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"


def backfill_command(
    start: Annotated[str, typer.Option("--start", help="ISO instant to start from.")],
    end: Annotated[str, typer.Option("--end", help="ISO instant to end at (exclusive).")],
    systems: Annotated[list[System] | None, typer.Option("--systems", help="Systems whose changes to walk.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write corrections (default: dry run).")] = False,
    chunk_days: Annotated[int, typer.Option("--chunk-days", min=1, max=90)] = 7,
    allow_mass_change: Annotated[bool, typer.Option("--allow-mass-change")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate SLAs as of this ISO instant (default: now); "
                                                      "a future one only without --apply.")] = None,
    chunked: Annotated[bool, typer.Option("--chunked", help="Walk the range chunk by chunk even when it holds most "
                                                            "of a system (default: such a range is one run, both "
                                                            "systems pulled whole).")] = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Walk a past time range in chunks (checkpointed: rerun a failed backfill to resume); a range holding most of a
    system is one run that pulls both systems whole and joins them (unless --chunked)."""
    from rich.progress import Progress

    from flows.runs.backfill import run_backfill

    begin, finish = instant_option(start, "--start"), instant_option(end, "--end")
    instant = as_of_option(as_of, "--as-of")
    if apply:
        refuse_future(instant, "leave out --apply")
    if finish <= begin:
        raise typer.BadParameter("must be after --start", param_hint="'--end'")
    chosen = [s.value for s in systems] if systems else [s.value for s in System]

    def action() -> Any:
        with bootstrap(definitions) as services, Progress(console=Console(stderr=True)) as progress:
            bar = progress.add_task("chunks", total=None)
            return run_backfill(services, start=begin, end=finish, as_of=instant, systems=chosen,
                                dry_run=not apply, chunk=timedelta(days=chunk_days), allow_mass_change=allow_mass_change,
                                whole=False if chunked else None, progress=lambda done, total, _key: progress.update(bar, completed=done, total=total))

    report = guarded(action)
    Console().print(f"backfill {report.status}: {len(report.chunks)} chunk(s) run, {len(report.skipped_chunks)} "
                    f"already done, {report.corrections} correction(s) {'applied' if apply else 'planned'}", markup=False)
    if report.status == "blocked":
        raise typer.Exit(EXIT_BLOCKED)
