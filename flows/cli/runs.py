"""`leadsync sync|plan|backfill|sla|stages|revert|runs`: the flows' operations for people at a terminal.

These call the same run functions as the Prefect flows, directly (no Prefect server needed), so they start fast.
Exit codes: 0 ok, 1 failure, 2 bad usage, 3 blocked by a guard (blast radius, another run in progress).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from connectors.errors import ConfigurationError, ConnectorError, RunLockedError
from flows.render.plan import corrections_by_rule, iso, plan_document, sla_by_state
from flows.runs.owner_names import name_report_owners
from flows.runs.sync import FutureAsOfError, RunReport, check_as_of
from mapping.business_time import CLOCK_LATEST, EARLIEST, clock_range
from mapping.errors import DefinitionError

EXIT_FAILED, EXIT_BLOCKED = 1, 3
DefinitionsOption = Annotated[Path | None, typer.Option("--definitions", help="Definition directory.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]


class System(StrEnum):
    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"


def _instant(value: str | None, option: str) -> datetime:
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


def _as_of(value: str | None, option: str = "--as-of") -> datetime:
    """The instant decisions and SLA clocks are evaluated at: one the business calendar can measure from."""
    instant = _instant(value, option)
    if not clock_range(instant):
        message = (f"{value!r} lies outside {EARLIEST:%Y-%m-%d} to {CLOCK_LATEST:%Y-%m-%d}, the instants the business "
                   "calendar can run SLA clocks at")
        raise typer.BadParameter(message, param_hint=f"'{option}'")
    return instant


def _not_ahead(instant: datetime, instead: str = "") -> None:
    """An applying run writes, flags and moves watermarks now: refuse an as-of beyond the wall clock (exit 2).

    `instead` names this command's own way to look ahead without writing (e.g. "add --dry-run")."""
    try:
        check_as_of(instant, datetime.now(UTC), applying=True)
    except FutureAsOfError as exc:
        raise typer.BadParameter(f"{exc}" + (f", or {instead}" if instead else ""), param_hint="'--as-of'") from None


def _guarded(action: Any) -> Any:
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


def _services(definitions: Path | None) -> Any:
    from flows.wiring import open_services

    return open_services(definitions)


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

    instant = _as_of(as_of, "--as-of")
    if not dry_run:
        _not_ahead(instant, "add --dry-run")

    def action() -> RunReport:
        with _services(definitions) as services:
            report = run_sync(services, as_of=instant, dry_run=dry_run, allow_mass_change=allow_mass_change)
            if as_json:
                name_report_owners(services, report)
            return report

    report = _guarded(action)
    _print_report(report, as_json)
    _exit_for(report)


def plan_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate as of this ISO instant (default: now).")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """The plan a sync would make now (a dry run): every lead's decision, corrections, SLA clocks, stages,
    violations, unmapped, duplicates; exit 3 when a guard would block the real sync."""
    from flows.runs.provision import plan_stages
    from flows.runs.sync import run_sync

    instant = _as_of(as_of)

    def action() -> tuple[RunReport, Any]:
        with _services(definitions) as services:
            report = run_sync(services, as_of=instant, dry_run=True, keep_decisions=as_json)
            if as_json:
                name_report_owners(services, report)
            return report, plan_stages(services)

    report, stages = _guarded(action)
    if as_json:
        typer.echo(json.dumps(plan_document(report, stages), ensure_ascii=False))
    else:
        _print_report(report, False)
    _exit_for(report)


def backfill_command(
    start: Annotated[str, typer.Option("--start", help="ISO instant to start from.")],
    end: Annotated[str, typer.Option("--end", help="ISO instant to end at (exclusive).")],
    systems: Annotated[list[System] | None, typer.Option("--systems", help="Systems whose changes to walk.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write corrections (default: dry run).")] = False,
    chunk_days: Annotated[int, typer.Option("--chunk-days", min=1, max=90)] = 7,
    allow_mass_change: Annotated[bool, typer.Option("--allow-mass-change")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate SLAs as of this ISO instant (default: now); "
                                                      "a future one only without --apply.")] = None,
    definitions: DefinitionsOption = None,
) -> None:
    """Walk a past time range in chunks (checkpointed: rerun a failed backfill to resume)."""
    from rich.progress import Progress

    from flows.runs.backfill import run_backfill

    begin, finish, instant = _instant(start, "--start"), _instant(end, "--end"), _as_of(as_of, "--as-of")
    if apply:
        _not_ahead(instant, "leave out --apply")
    if finish <= begin:
        raise typer.BadParameter("must be after --start", param_hint="'--end'")
    chosen = [s.value for s in systems] if systems else [s.value for s in System]

    def action() -> Any:
        with _services(definitions) as services, Progress(console=Console(stderr=True)) as progress:
            bar = progress.add_task("chunks", total=None)
            return run_backfill(services, start=begin, end=finish, as_of=instant, systems=chosen,
                                dry_run=not apply, chunk=timedelta(days=chunk_days), allow_mass_change=allow_mass_change,
                                progress=lambda done, total, _key: progress.update(bar, completed=done, total=total))

    report = _guarded(action)
    Console().print(f"backfill {report.status}: {len(report.chunks)} chunk(s) run, {len(report.skipped_chunks)} "
                    f"already done, {report.corrections} correction(s) {'applied' if apply else 'planned'}", markup=False)
    if report.status == "blocked":
        raise typer.Exit(EXIT_BLOCKED)


def sla_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Sweep as of this ISO instant, not in the future "
                                                      "(default: now).")] = None,
    as_json: JsonOption = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Sweep every open SLA clock now: flag new breaches once, clear worked ones."""
    from flows.runs.sla_sweep import run_sla_sweep

    instant = _as_of(as_of)
    _not_ahead(instant)

    def action() -> Any:
        with _services(definitions) as services:
            return run_sla_sweep(services, as_of=instant)

    sweep = _guarded(action)
    if as_json:
        typer.echo(json.dumps(plan_document(sweep.report)["sla"]))
        return
    Console().print(f"{sweep.clocks_checked} clock(s) checked: {sweep.states}; {sweep.report.new_breaches} new "
                    f"breach(es) flagged, {sweep.report.cleared_flags} flag(s) cleared", markup=False)


def stages_command(
    apply: Annotated[bool, typer.Option("--apply", help="Add the missing values (default: show them).")] = False,
    definitions: DefinitionsOption = None,
) -> None:
    """Show (or with --apply, add) the stage values the definition needs and the systems lack."""
    from flows.runs.provision import run_provision

    def action() -> Any:
        with _services(definitions) as services:
            return run_provision(services, dry_run=not apply)

    report = _guarded(action)
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


def revert_command(
    run_id: Annotated[str, typer.Argument(help="The run whose corrections to undo.")],
    definitions: DefinitionsOption = None,
) -> None:
    """Undo a run's corrections where the system still holds the value leadsync wrote."""
    from flows.runs.revert import run_revert

    def action() -> Any:
        with _services(definitions) as services:
            return run_revert(services, run_id, as_of=datetime.now(UTC))

    report = _guarded(action)
    Console().print(f"reverted {len(report.reverted)} write(s); {len(report.changed_since)} left alone because "
                    "someone changed them since; the reverted records are held from automatic correction until "
                    "the definition changes or `leadsync release`", markup=False)


def release_command(
    record_ids: Annotated[list[str] | None, typer.Argument(help="Salesforce or HubSpot ids of held records.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Release every record a revert of this run held.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Release every held record.")] = False,
) -> None:
    """Let automatic correction touch records a revert put back (before the definition changes)."""
    from connectors.settings import RunSettings, build
    from connectors.store.sql_state import open_run_state
    from flows.runs.services import system_of_id

    if not (record_ids or run or everything) or (everything and (record_ids or run)):
        raise typer.BadParameter("give record ids, --run RUN_ID, or --all (alone)")
    keys = None
    if record_ids:
        unknown = [i for i in record_ids if system_of_id(i) is None]
        if unknown:
            raise typer.BadParameter(f"not a Salesforce or HubSpot id: {', '.join(unknown)}", param_hint="RECORD_IDS")
        keys = [(str(system_of_id(i)), i) for i in record_ids]
    state = _guarded(lambda: open_run_state(build(RunSettings).database_url))
    lifted = _guarded(lambda: state.release(keys=keys, run_id=run))
    # The next sync reads them again even if nothing changed since: releasing means "correct them now".
    _guarded(lambda: state.add_revisits([(system, record_id, "released") for system, record_id in lifted]))
    Console().print(f"released {len(lifted)} held record(s); the next sync reads them again", markup=False)


def runs_command(limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, as_json: JsonOption = False) -> None:
    """The most recent runs and their counts."""
    from connectors.settings import RunSettings, build
    from connectors.store.sql_state import open_run_state

    state = _guarded(lambda: open_run_state(build(RunSettings).database_url))
    runs = state.list_runs(limit)
    if as_json:
        typer.echo(json.dumps(runs, default=str))
        return
    table = Table("run", "kind", "started", "status", "counts")
    for run in runs:
        table.add_row(run["id"], run["kind"], str(run["started_at"]), run["status"], json.dumps(run.get("counts") or {}))
    Console().print(table)


def _print_report(report: RunReport, as_json: bool) -> None:
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


def _exit_for(report: RunReport) -> None:
    """A dry run exits as the real run would: 3 when a guard would block it."""
    if report.status == "blocked" or report.would_block:
        raise typer.Exit(EXIT_BLOCKED)
    if report.status not in ("succeeded", "dry_run"):
        raise typer.Exit(EXIT_FAILED)


def report_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for report.md and report.html.")] = Path(".leadsync/report"),
    days: Annotated[int, typer.Option(min=1, max=366)] = 7,
    definitions: DefinitionsOption = None,
) -> None:
    """Write the close-the-loop report (corrections, violations, unmapped, duplicates, SLA compliance, dwell)."""
    from flows.render.report import render_report_html, render_report_markdown
    from flows.runs.report import gather

    def action() -> tuple[str, str]:
        with _services(definitions) as services:
            data = gather(services, as_of=datetime.now(UTC), days=days)
            return render_report_markdown(services, data), render_report_html(services, data)

    markdown, page = _guarded(action)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(page, encoding="utf-8")
    Console().print(f"wrote {out / 'report.md'} and {out / 'report.html'}", markup=False)
