"""A full run is a join (DESIGN §8): both systems pulled whole, partners and evidence found in the state store; it
plans exactly what the page-by-page lookups plan, with no lookup call. Incremental windows keep the lookups."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.fakes.system import FakeSystem
from connectors.ports import RawRecord, RunState, TimeWindow
from connectors.settings import RunSettings
from flows.runs.backfill import run_backfill
from flows.runs.services import CRM, MA, Services, SystemPorts
from flows.runs.sync import JOIN, LOOKUPS, RunReport, run_sync
from sandbox.population import SeedMix, generate
from tests.factories import compiled

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
LOOKUP_CALLS = ("read", "find", "evidence")


def _systems(people: int) -> tuple[FakeSystem, FakeSystem]:
    """A seeded population with every kind of person (duplicates, one-system people, email-only links…)."""
    crm, ma = FakeSystem(CRM), FakeSystem(MA)
    for lead in generate(compiled(), people, seed=15, now=NOW, mix=SeedMix(duplicates=0.05)):
        crm.load(lead.salesforce)
        for row in lead.history:
            crm.history.setdefault(row["LeadId"], []).append(row)
        for row in lead.tasks:
            crm.activities.setdefault(row["WhoId"], []).append(row)
        if lead.hubspot is not None:
            properties = {k: v for k, v in lead.hubspot.items() if k not in ("id", "history")}
            ma.load([{"id": lead.hubspot["id"], "properties": properties}])
    return crm, ma


def _services(crm: FakeSystem, ma: FakeSystem, state: RunState, *, join: bool) -> Services:
    def ports(system: FakeSystem) -> SystemPorts:
        return SystemPorts(source=system, writer=system, picklist=system, evidence=system, flags=system,
                           whole=system if join else None, whole_evidence=system if join and system.system == CRM else None)

    services = Services(compiled(), {CRM: ports(crm), MA: ports(ma)}, state, RunSettings())
    services.clock = lambda: NOW
    return services


def _plan(report: RunReport) -> dict[str, Any]:
    """Everything a plan says, order aside."""
    def by_text(items: list[Any]) -> list[str]:
        return sorted(repr(item) for item in items)

    counts = {k: v for k, v in report.counts().items() if k != "whole_pulls"}
    return {"corrections": by_text(report.corrections), "skipped": by_text(report.skipped),
            "violations": by_text(report.violations), "duplicates": by_text(report.duplicates),
            "sla": by_text(report.sla), "unmapped": by_text(report.unmapped), "counts": counts}


def test_a_first_full_run_joins_and_plans_what_the_lookups_plan(make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(1_500)
    looked_up = run_sync(_services(crm, ma, make_state(), join=False), as_of=NOW, dry_run=True)
    lookups_plan = _plan(looked_up)  # read now: on PostgreSQL the next store is the same database, made afresh
    lookup_calls = sum(crm.calls[op] + ma.calls[op] for op in LOOKUP_CALLS)
    crm.calls.clear()
    ma.calls.clear()
    state = make_state()
    joined = run_sync(_services(crm, ma, state, join=True), as_of=NOW, dry_run=True)

    assert (looked_up.path, joined.path) == (LOOKUPS, JOIN)
    assert joined.counts()["whole_pulls"] == 2 and looked_up.counts()["whole_pulls"] == 0
    assert _plan(joined) == lookups_plan
    assert joined.corrections and joined.duplicates and joined.sla  # the data exercises every part of a plan
    assert lookup_calls > 20
    assert sum(crm.calls[op] + ma.calls[op] for op in LOOKUP_CALLS) == 0  # partners and evidence came from the store
    assert crm.calls["pull_whole"] == 1 and ma.calls["pull_whole"] == -(-len(ma.records) // 100)
    assert state.pulled_page(joined.run_id, CRM, (0, 2**62), None, 10) == []  # the pulls are dropped after planning
    assert joined.seconds["pull and plan"] >= joined.seconds["pull"] > 0 and "pull" not in looked_up.seconds


def test_a_backfill_from_the_beginning_joins_and_its_window_bounds_the_planned_records(
        make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(600)
    recent = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), NOW - timedelta(days=20))
    windows = {CRM: recent, MA: recent}
    looked_up = run_sync(_services(crm, ma, make_state(), join=False), as_of=NOW, dry_run=True, windows=windows,
                         kind="backfill", advance_watermarks=False)
    lookups_plan = _plan(looked_up)
    joined = run_sync(_services(crm, ma, make_state(), join=True), as_of=NOW, dry_run=True, windows=windows,
                      kind="backfill", advance_watermarks=False)

    assert joined.path == JOIN
    assert 0 < joined.records_seen < len(crm.records) + len(ma.records)
    assert _plan(joined) == lookups_plan


def test_a_wide_backfill_is_one_joined_run_and_plans_what_the_lookups_plan(make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(600)
    start = NOW - timedelta(days=3650)  # after the beginning, before every record: the range holds them all
    looked_up = run_sync(_services(crm, ma, make_state(), join=False), as_of=NOW, dry_run=True, kind="backfill",
                         windows={CRM: TimeWindow(start, NOW), MA: TimeWindow(start, NOW)}, advance_watermarks=False)
    lookups_plan = _plan(looked_up)
    crm.calls.clear()
    ma.calls.clear()
    wide = run_backfill(_services(crm, ma, make_state(), join=True), start=start, end=NOW, as_of=NOW,
                        chunk=timedelta(days=7))

    assert len(wide.chunks) == 1 and [r.path for r in wide.reports] == [JOIN]  # not 522 weekly chunks
    assert _plan(wide.reports[0]) == lookups_plan
    assert crm.calls["pull_whole"] == 1 and sum(crm.calls[op] + ma.calls[op] for op in LOOKUP_CALLS) == 0


def test_a_narrow_backfill_keeps_its_chunks_and_the_lookups(make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(600)
    narrow = run_backfill(_services(crm, ma, make_state(), join=True), start=NOW - timedelta(days=2), end=NOW,
                          as_of=NOW, chunk=timedelta(days=1))

    assert len(narrow.chunks) == 2 and {r.path for r in narrow.reports} == {LOOKUPS}
    assert crm.calls["pull_whole"] == ma.calls["pull_whole"] == 0


def test_an_incremental_window_keeps_the_lookups(make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(200)
    services = _services(crm, ma, make_state(), join=True)
    first = run_sync(services, as_of=NOW, dry_run=False, allow_mass_change=True)
    crm.calls.clear()
    ma.calls.clear()
    second = run_sync(services, as_of=NOW, dry_run=True)

    assert first.path == JOIN and second.path == LOOKUPS
    assert crm.calls["pull_whole"] == ma.calls["pull_whole"] == 0


class _FailingWhole(FakeSystem):
    """A CRM whose whole pull fails after its first page (the API went away mid-pull)."""

    def iter_whole(self, window: TimeWindow) -> Iterator[list[RawRecord]]:
        pages = super().iter_whole(window)
        yield next(pages)
        raise RuntimeError("the CRM went away mid-pull")


def test_a_failing_pull_fails_the_run_and_stops_the_other_system_s_pull_beside_it(
        make_state: Callable[[], RunState]) -> None:
    crm, ma = _systems(1_500)
    failing = _FailingWhole(CRM)
    failing.records, failing.history, failing.activities = crm.records, crm.history, crm.activities
    state = make_state()
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="went away"):
        run_sync(_services(failing, ma, state, join=True), as_of=NOW, dry_run=True)
    assert threading.active_count() == threads  # HubSpot's pull thread ended with the run
    failed = state.list_runs(1)[0]
    assert failed["status"] == "failed"
    assert state.pulled_page(failed["id"], MA, (0, 2**62), None, 10) == []  # its pulls were dropped all the same
