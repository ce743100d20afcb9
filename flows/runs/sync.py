"""One sync run end to end: pull → plan (per batch) → guards → apply → verify → SLA → record.

Plain functions over the ports; the Prefect flows wrap them. A dry run stops before anything is written to
either system. Watermarks move only when every batch of the window is recorded, so a failed or interrupted run
is resumed by running again. The pull never reads beyond the wall clock and watermarks never pass it: a run's
as-of moves the decision and SLA clock, and only a dry run may look ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from connectors.errors import BudgetExhaustedError, RunLockedError
from connectors.ports import (
    CORRECTION,
    OBSERVED,
    SKIPPED,
    SLA,
    Audit,
    Revisits,
    RunItems,
    RunState,
    Snapshot,
    SnapshotStore,
    TimeWindow,
)
from flows.runs.apply import ApplyResult, apply_corrections, settle_pending
from flows.runs.batches import BatchResult, Lookups, RunMemory, plan_batch
from flows.runs.funnel_rows import funnel_rows
from flows.runs.join import can_join, pull_whole, replay_pages
from flows.runs.locks import WRITES_LOCK, waiting_lock
from flows.runs.page_writes import PageWriter, PageWrites, page_writer
from flows.runs.run_report import FIRST_ROWS, JOIN, LOOKUPS, RunReport
from flows.runs.services import CRM, MA, Services
from mapping.guards import BlastRadius, hold_back, hold_back_loops
from mapping.match import LeadPair
from mapping.plan import Correction, Skipped, SkipReason, instant_text
from mapping.records import CanonicalLead
from mapping.sla import SlaEntry

BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
LOOP_WINDOW = timedelta(days=1)
LOOP_LIMIT = 3
LOCK_TTL = timedelta(minutes=5)  # kept alive by a heartbeat; a killed run's lock lapses within it
BatchHook = Callable[[str, Callable[[], Any]], Any]
ITEMS_KEPT = timedelta(days=30)  # a run's corrections, skips and SLA clocks stay readable in the store this long
log = logging.getLogger(__name__)


def run_sync(
    services: Services,
    *,
    as_of: datetime,
    dry_run: bool,
    allow_mass_change: bool = False,
    windows: dict[str, TimeWindow] | None = None,
    kind: str = "sync",
    advance_watermarks: bool = True,
    run_id: str | None = None,
    batch_hook: BatchHook | None = None,
    keep_decisions: bool = False,
    lock: str | None = None,
    whole: bool = False,
) -> RunReport:
    """Run one sync; `batch_hook(name, thunk)` lets the Prefect flow run each batch as a task. `whole`: the windows
    hold most of each system (a wide backfill), so both are pulled whole and joined, whatever the windows' start.

    One run of a kind at a time: the `kind` lock, or `lock` where runs of a kind may share the work (the slices
    of a fanned-out backfill each lock their own range; their writes still take turns).

    Raises FutureAsOfError for an applying run as of an instant beyond the wall clock.
    """
    check_as_of(as_of, services.clock(), applying=not dry_run)
    state = services.state
    run_id = run_id or state.start_run(kind, {"dry_run": dry_run, "allow_mass_change": allow_mass_change})
    report = RunReport(run_id, kind, as_of, dry_run, items=state, decisions=[] if keep_decisions else None, wide=whole)
    hook = batch_hook or (lambda _name, thunk: thunk())
    try:
        with state.lock(lock or kind, run_id, LOCK_TTL):
            state.prune_items(services.clock() - ITEMS_KEPT)
            _run(services, report, windows, allow_mass_change, advance_watermarks, hook)
    except BudgetExhaustedError as exc:
        report.status, report.message = "budget_exhausted", str(exc)
    except RunLockedError:
        state.finish_run(run_id, "blocked", report.counts())
        raise
    except BaseException:
        state.finish_run(run_id, "failed", report.counts())
        raise
    finally:
        state.drop_items(run_id, [OBSERVED])
    state.finish_run(run_id, report.status, report.counts())
    log.info("run %s %s: %s", run_id, report.status, report.timings())
    return report


def _run(
    services: Services,
    report: RunReport,
    windows: dict[str, TimeWindow] | None,
    allow_mass_change: bool,
    advance_watermarks: bool,
    hook: BatchHook,
) -> None:
    if not windows:
        report.windows, report.message = incremental_windows(services, report.as_of), _distrusted_watermarks(services)
    else:
        report.windows = windows
    _plan_all(services, report, hook)
    services.state.save_findings(report.run_id, findings(report))
    settings = services.settings
    report.blast = BlastRadius(report.tally.records_corrected, report.leads, settings.max_changes,
                               settings.max_change_share)
    if report.blast.exceeded and not allow_mass_change and report.dry_run:
        report.would_block = f"blast_radius: {report.blast.describe()}"
    if report.blast.exceeded and not allow_mass_change and not report.dry_run:
        report.status, report.message = "blocked", report.blast.describe()
        _record_planned(services.state, report, "blocked")
        return
    _record_planned(services.state, report, "planned" if report.dry_run else "skipped")
    if report.dry_run:
        report.status = "dry_run"
        return
    # Writes of concurrent runs (a sync and a backfill) take turns; intents still pending then are a dead run's.
    with waiting_lock(services.state, WRITES_LOCK, report.run_id, LOCK_TTL, services.settings.apply_wait_s):
        report.settled_intents = settle_pending(services)
        for system in (CRM, MA):
            if report.tally.by_system[system]:
                def apply_mine(system: str = system) -> ApplyResult:
                    return apply_corrections(services, report.run_id, system, report.iter_items(CORRECTION, system))

                with report.timed("apply"):
                    report.applied[system] = hook(f"apply-{system}", apply_mine)
        with report.timed("flag"):
            flag_sla(services, report)
        _record_revisits(services.state, report)
    if report.applied:
        services.state.save_findings(report.run_id, findings(report))
        _refresh_snapshots(services.state, report)
    now = services.clock()
    marks = {s: min(w.end, now) for s, w in report.windows.items()} if advance_watermarks else {}
    _record_observations(services.state, report, marks)
    report.status = "succeeded"


def _record_planned(state: Audit, report: RunReport, status: str) -> None:
    """The plan's audit rows (corrections with `status` where it keeps them, and the skipped records), page by page."""
    for corrections in report.item_pages(CORRECTION):
        state.record_planned(report.run_id, corrections, [], status)
    for skipped in report.item_pages(SKIPPED):
        state.record_planned(report.run_id, [], skipped, status)


FINDINGS_LIMIT = FIRST_ROWS
REVISIT_PAGE = 2_000


def findings(report: RunReport) -> dict[str, list[dict[str, Any]]]:
    """What people must look at: violations, unmapped values, duplicates (capped; counts are in the run)."""
    return {
        "violations": [v.as_dict() for v in report.violations[:FINDINGS_LIMIT]],
        "unmapped": [u.as_dict() for u in report.unmapped[:FINDINGS_LIMIT]],
        "duplicates": [d.as_dict() for d in report.duplicates[:FINDINGS_LIMIT]],
        "write_failures": write_failures(report)[:FINDINGS_LIMIT],
        "quarantined": [q.as_dict() for q in report.quarantined[:FINDINGS_LIMIT]],
    }


def write_failures(report: RunReport) -> list[dict[str, Any]]:
    """Writes the systems refused (vendor code and message) and writes skipped because a person got there first."""
    rows = [{"system": c.system, "record_id": c.record_id, "field": c.field, "after": c.after, "code": o.code,
             "message": o.message} for result in report.applied.values() for c, o in result.failed]
    rows += [{"system": c.system, "record_id": c.record_id, "field": c.field, "after": c.after,
              "code": "CHANGED_SINCE_READ", "message": f"now {found!r}: left as the user set it"}
             for result in report.applied.values() for c, found in result.stale]
    return rows


class FutureAsOfError(ValueError):
    """An applying run was asked to run as of an instant beyond the wall clock."""

    def __init__(self, as_of: datetime, now: datetime) -> None:
        super().__init__(f"{as_of.isoformat()} is in the future (now {now.isoformat()}): an applying run writes, "
                         "flags SLA breaches and moves watermarks now; look ahead with a dry run "
                         "(leadsync plan --as-of)")


def check_as_of(as_of: datetime, now: datetime, *, applying: bool) -> None:
    """Refuse an applying run as of the future; a dry run may look ahead (only its decision and SLA clock move)."""
    if applying and as_of > now:
        raise FutureAsOfError(as_of, now)


def incremental_windows(services: Services, as_of: datetime) -> dict[str, TimeWindow]:
    """Since each watermark (minus the overlap) up to the as-of instant, never beyond the wall clock.

    A watermark beyond the wall clock cannot be trusted (an older version stored a future as-of): that system is
    pulled from the beginning again. An as-of before the watermark gives an empty window.
    """
    overlap = timedelta(seconds=services.settings.overlap_s)
    now = services.clock()
    end = min(as_of, now)
    windows = {}
    for system in (CRM, MA):
        mark = services.state.watermark(system)
        start = BEGINNING if mark is None or mark > now else mark - overlap
        windows[system] = TimeWindow(min(start, end), end)
    return windows


def _distrusted_watermarks(services: Services) -> str:
    now = services.clock()
    future = [f"{system} ({mark.isoformat()})" for system in (CRM, MA)
              if (mark := services.state.watermark(system)) is not None and mark > now]
    return f"watermark beyond the wall clock, pulled from the beginning: {', '.join(future)}" if future else ""


def _record_observations(state: RunState, report: RunReport, marks: dict[str, datetime]) -> None:
    """The observed leads as this run left them, page by page; the watermarks move last, once all are recorded (a
    crash in between is harmless: the rerun observes the same leads again)."""
    missed = _missed(report)
    for page in report.item_pages(OBSERVED):
        moved = _moved(state, report, page, missed)
        left = [replace(pair, crm=_moved_lead(pair.crm, moved, report.as_of), ma=_moved_lead(pair.ma, moved,
                                                                                              report.as_of))
                for pair in page] if moved else page
        state.record_observations(left, {}, report.as_of)
    state.record_observations([], marks, report.as_of)


def _missed(report: RunReport) -> set[tuple[str, str]]:
    """Records whose writes did not land (refused, stale, not verified)."""
    return {(c.system, c.record_id) for result in report.applied.values()
            for c in [*(c for c, _ in result.failed), *(c for c, _ in result.stale), *result.not_verified]}


def _landed(report: RunReport, corrections: Iterable[Correction], missed: set[tuple[str, str]]) -> list[Correction]:
    """The corrections that landed (applied, not refused, not stale), in step order."""
    return sorted((c for c in corrections if c.system in report.applied and (c.system, c.record_id) not in missed),
                  key=lambda c: c.step)


def _moved(state: RunItems, report: RunReport, pairs: Sequence[LeadPair],
           missed: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A record this run's writes moved is in its new stage since the run's as-of (the SLA start it reported)."""
    keys = [lead.key for pair in pairs for lead in (pair.crm, pair.ma) if lead is not None]
    return {(c.system, c.record_id): c.stage_after
            for c in _landed(report, state.items_of(report.run_id, CORRECTION, keys), missed)}


def _refresh_snapshots(state: SnapshotStore, report: RunReport) -> None:
    """Snapshots hold what this run wrote, so a replay (`definitions impact`) starts from the systems as they are now,
    not from before our own corrections."""
    missed = _missed(report)
    for page in report.item_pages(CORRECTION):
        patches: dict[str, dict[str, list[Correction]]] = {}
        for correction in _landed(report, page, missed):
            patches.setdefault(correction.system, {}).setdefault(correction.record_id, []).append(correction)
        for system, by_record in patches.items():
            kept = state.snapshots(system, sorted(by_record))
            state.save_snapshots([_patched(s, by_record[s.record_id], report.as_of) for s in kept])


def _patched(snapshot: Snapshot, written: list[Correction], as_of: datetime) -> Snapshot:
    record = dict(snapshot.record)
    values = record if snapshot.system == CRM else dict(record.get("properties") or {})
    history = list(snapshot.history)
    for c in written:
        values.update({c.field: c.after, **dict(c.extras)})
        if snapshot.system == CRM:  # the history row Salesforce itself adds for a tracked field
            history.append({"LeadId": c.record_id, "Field": c.field, "OldValue": c.before, "NewValue": c.after,
                            "CreatedDate": instant_text(CRM, as_of)})
    if snapshot.system != CRM:
        record["properties"] = values
    return replace(snapshot, record=record, history=history)


def _moved_lead(lead: CanonicalLead | None, moved: dict[tuple[str, str], str], as_of: datetime) -> CanonicalLead | None:
    if lead is None or lead.key not in moved:
        return lead
    return replace(lead, stage=moved[lead.key], stage_entered_at=as_of)


def choose_path(services: Services, windows: dict[str, TimeWindow], wide: bool = False) -> str:
    """JOIN when a window starts at the beginning (no watermark yet, a distrusted one, a backfill from the start) or
    the windows are `wide` (they hold most of a system): their pages would look up most of the other system page by
    page; LOOKUPS for the windows since a watermark."""
    whole = wide or any(window.start <= BEGINNING and window.end > window.start for window in windows.values())
    return JOIN if whole and can_join(services) else LOOKUPS


def _plan_all(services: Services, report: RunReport, hook: BatchHook) -> None:
    report.path = choose_path(services, report.windows, report.wide)
    log.info("run %s: %s", report.run_id, "both systems pulled whole, joined in the state store"
             if report.path == JOIN else "partners looked up at the APIs page by page")
    # A joined run's pages are written by a process of their own, started now so it is ready when the pulls end.
    with report.timed("pull and plan"), \
            page_writer(services.state, report.run_id, own_process=report.path == JOIN) as writer:
        if report.path == LOOKUPS:  # each page is pulled, then planned
            _plan_pages(services, report, hook, None, writer)
            return
        try:
            with report.timed("pull"):
                lookups = pull_whole(services, report.run_id)
            _plan_pages(services, report, hook, lookups, writer)
        finally:
            services.state.drop_pulled(report.run_id)


def _plan_pages(services: Services, report: RunReport, hook: BatchHook, lookups: Lookups | None,
                writer: PageWriter) -> None:
    memory = RunMemory() if lookups is None else RunMemory(writer.marks())
    for system in (CRM, MA):
        window = report.windows[system]
        changed = _pages(services, system, window) if lookups is None else \
            replay_pages(services, report.run_id, system, window)
        pages = chain(changed, _revisit_pages(services, system, report))
        for number, page in enumerate(pages):
            def plan_page(page: list[dict[str, Any]] = page, system: str = system) -> BatchResult:
                return plan_batch(services, system, page, report.as_of, memory, lookups)

            batch: BatchResult = hook(f"plan-{system}-{number}", plan_page)
            _absorb(services, report, batch, writer)
    report.unmapped = memory.quarantine.unmapped
    report.quarantined = memory.quarantine.values


def _pages(services: Services, system: str, window: TimeWindow) -> Iterator[list[dict[str, Any]]]:
    yield from services.systems[system].source.iter_changed(window)


def _revisit_pages(services: Services, system: str, report: RunReport) -> Iterator[list[dict[str, Any]]]:
    """Records an earlier write left uncorrected for a passing reason (no answer, a row lock): read them again,
    whether or not they changed since (a backfill chunk leaves them to the syncs)."""
    if report.kind != "sync":
        return
    ids = services.state.revisits(system)
    report.revisited += [(system, record_id) for record_id in ids]
    for start in range(0, len(ids), REVISIT_PAGE):
        yield services.systems[system].source.read_records(ids[start : start + REVISIT_PAGE])


def _record_revisits(state: Revisits, report: RunReport) -> None:
    """Forget the revisits this run read, then remember the writes that failed for a passing reason."""
    state.clear_revisits(report.revisited)
    state.add_revisits([(c.system, c.record_id, o.code) for result in report.applied.values()
                        for c, o in result.failed if o.transient])


def _absorb(services: Services, report: RunReport, batch: BatchResult, writer: PageWriter) -> None:
    """Count the batch, hold back what must not be written, and keep its rows in the store (not in memory)."""
    report.records_seen += batch.records_seen
    report.leads += len(batch.pairs)
    corrections, held = _held_back(services, report, batch.plan.corrections)
    skipped = [*batch.plan.skipped, *held]
    observed = [] if report.dry_run else batch.pairs  # what an applying run records of each lead at its end
    items: dict[str, list[Any]] = {CORRECTION: corrections, SKIPPED: skipped, SLA: batch.plan.sla, OBSERVED: observed}
    writer.write(PageWrites(items, batch.snapshots, funnel_rows(services, batch, report.as_of)))
    report.tally.add_sla(batch.plan.sla)
    report.tally.add_corrections(corrections)
    report.tally.skipped += len(skipped)
    report.tally.add_violations(batch.plan.violations)
    report.tally.add_duplicates(batch.duplicates)
    if report.decisions is not None:
        report.decisions += batch.plan.decisions


def keep_sla(state: RunItems, report: RunReport, entries: Sequence[SlaEntry]) -> None:
    state.keep_items(report.run_id, {SLA: entries})
    report.tally.add_sla(entries)


def _held_back(services: Services, report: RunReport,
               corrections: list[Correction]) -> tuple[list[Correction], list[Skipped]]:
    """A batch's corrections without those of records we keep correcting (someone fights us) or a revert put back."""
    keys = sorted({(c.system, c.record_id) for c in corrections})
    if not keys:
        return corrections, []
    recent = services.state.recent_corrections(keys, report.as_of - LOOP_WINDOW)
    kept, looping = hold_back_loops(corrections, recent, report.as_of, LOOP_WINDOW, LOOP_LIMIT)
    held = services.state.holds(keys, services.compiled.version)
    if not held:
        return kept, looping
    kept, reverted = hold_back(kept, held, SkipReason.REVERTED)
    return kept, [*looping, *reverted]


def flag_sla(services: Services, report: RunReport) -> None:
    """Move the SLA clocks the run kept, page by page; flag new breaches and clear met ones in the CRM."""
    flags = services.systems[CRM].flags
    for entries in report.item_pages(SLA):
        transitions = services.state.upsert_sla(entries, report.as_of)
        breaches = [e for e in transitions.new_breaches if e.system == CRM]
        cleared = [record_id for system, record_id in transitions.cleared if system == CRM]
        if flags is not None and (breaches or cleared):
            outcomes = flags.write_sla_flags(breaches, cleared)
            done = {o.record_id for o in outcomes if o.ok}
            services.state.mark_flags([(CRM, e.record_id, e.stage) for e in breaches if e.record_id in done],
                                      [(CRM, r) for r in cleared if r in done], report.as_of)
        if flags is not None:
            report.new_breaches += len(breaches)
            report.cleared_flags += len(cleared)
            report.flagged += breaches[: FIRST_ROWS - len(report.flagged)]
