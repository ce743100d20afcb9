"""Backfill chunks and resume, the SLA sweep, stage provisioning and revert, over in-memory systems."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.fakes.system import FakeSystem
from flows.render.plan import backfill_markdown, plan_document
from flows.render.story import render_story
from flows.runs.backfill import chunk_key, chunk_windows, run_backfill, slice_windows
from flows.runs.explain import explain_lead
from flows.runs.provision import run_provision
from flows.runs.revert import run_revert
from flows.runs.services import Services
from flows.runs.sla_sweep import run_sla_sweep
from flows.runs.sync import run_sync
from mapping.business_time import elapsed
from mapping.stage_diff import PicklistValue
from tests.factories import compiled
from tests.flows.conftest import audit_statuses
from tests.flows.test_sync_run import AS_OF, _world

STOCK = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"]


def _spread_modstamps(crm, ma) -> None:  # type: ignore[no-untyped-def]
    """Give each person a different day of November, so chunks of a backfill see different people."""
    for n, record in enumerate(crm.records.values()):
        record["SystemModstamp"] = f"2026-11-{n * 5 + 1:02d}T12:00:00.000+0000"
    for n, contact in enumerate(ma.records.values()):
        contact["properties"]["lastmodifieddate"] = f"2026-11-{n * 5 + 1:02d}T12:00:00Z"


def test_backfill_dry_run_writes_nothing_and_checkpoints_nothing(make_state: Callable[[], Any]) -> None:
    services, crm, ma, state = _world(make_state, people=4)
    _spread_modstamps(crm, ma)
    report = run_backfill(services, start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 11, 21, tzinfo=UTC),
                          as_of=AS_OF, dry_run=True, chunk=timedelta(days=5))

    assert len(report.chunks) == 4 and report.corrections == 4
    assert crm.writes == [] and state.done_keys("backfill") == set()


def test_the_backfill_summary_covers_every_chunk_even_when_the_last_corrected_nothing(make_state: Callable[[], Any]) -> None:
    services, crm, ma, _state = _world(make_state, people=4)
    _spread_modstamps(crm, ma)  # people on Nov 1, 6, 11, 16: the chunk Nov 20-25 sees nobody
    report = run_backfill(services, start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 11, 25, tzinfo=UTC),
                          as_of=AS_OF, dry_run=True, chunk=timedelta(days=5))
    summary = backfill_markdown(report)

    assert report.reports[-1].corrections == [] and report.corrections == 4
    assert summary.count("| dry:") == 5
    assert re.search(r"^\| corrections \| 4 \|$", summary, re.MULTILINE)
    corrections_table = summary.split("## Corrections")[1]
    assert {c.record_id for run in report.reports for c in run.corrections} == {
        line.split(" | ")[1] for line in corrections_table.splitlines() if line.startswith("| ") and " | Lead" not in line
        and not line.startswith("| system")}


def test_a_failed_backfill_resumes_skipping_finished_chunks_without_rewriting(make_state: Callable[[], Any]) -> None:
    services, crm, ma, state = _world(make_state, people=4)
    _spread_modstamps(crm, ma)
    window = {"start": datetime(2026, 11, 1, tzinfo=UTC), "end": datetime(2026, 11, 21, tzinfo=UTC),
                  "as_of": AS_OF, "dry_run": False, "chunk": timedelta(days=5)}
    crm.fail_next["write"] = 0
    original = crm.apply_corrections
    calls = {"n": 0}

    def dying_after_two_chunks(corrections):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("worker killed")
        return original(corrections)

    crm.apply_corrections = dying_after_two_chunks  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        run_backfill(services, **window)
    assert len(state.done_keys("backfill")) == 2 and len(crm.writes) == 2

    crm.apply_corrections = original  # type: ignore[method-assign]
    resumed = run_backfill(services, **window)
    assert len(resumed.skipped_chunks) == 2 and len(resumed.chunks) == 2
    assert len(crm.writes) == 4 and len({w[0] for w in crm.writes}) == 4


def test_sla_sweep_flags_a_breach_that_happened_without_any_change(make_state: Callable[[], Any]) -> None:
    services, crm, ma, _state = _world(make_state, people=1)
    ma.records["500"]["properties"]["hs_v2_date_entered_marketingqualifiedlead"] = "2026-11-23T14:30:00Z"
    crm.records["00Q000000000000000"]["Status"] = "Marketing Qualified"
    crm.history["00Q000000000000000"][0].update(NewValue="Marketing Qualified", CreatedDate="2026-11-23T14:30:00.000+0000")
    run_sync(services, as_of=AS_OF, dry_run=False)  # 09:30 New York: on track
    assert crm.flags == {}

    sweep = run_sla_sweep(services, as_of=AS_OF + timedelta(hours=5))  # 4 business hours later: breached
    assert sweep.clocks_checked == 1 and sweep.states == {"breached": 1}
    assert crm.flags == {"00Q000000000000000": "mql"}


def test_provisioning_adds_missing_values_once(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=1)
    crm.picklists["Status"] = [PicklistValue(v, v) for v in STOCK]

    preview = run_provision(services, dry_run=True)
    assert preview.to_add == 4 and crm.calls["picklist_write"] == 0
    applied = run_provision(services, dry_run=False)
    assert [o.ok for o in applied.outcomes] == [True]
    assert len(crm.picklists["Status"]) == 8
    assert run_provision(services, dry_run=False).to_add == 0


def test_revert_restores_values_still_held_and_reports_the_changed_ones(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=2)
    run = run_sync(services, as_of=AS_OF, dry_run=False)
    crm.records["00Q000000000000001"]["Status"] = "Working - Contacted"  # a rep moved it since

    report = run_revert(services, run.run_id, as_of=AS_OF)

    assert [c.record_id for c in report.reverted] == ["00Q000000000000000"]
    assert [c.record_id for c in report.changed_since] == ["00Q000000000000001"]
    assert crm.records["00Q000000000000000"]["Status"] == "Open - Not Contacted"
    assert crm.records["00Q000000000000001"]["Status"] == "Working - Contacted"
    assert audit_statuses(state).count("reverted") == 1


def test_a_revert_sticks_until_the_definition_changes_or_a_release(make_state: Callable[[], Any]) -> None:
    services, crm, ma, state = _world(make_state, people=2)
    run = run_sync(services, as_of=AS_OF, dry_run=False)
    run_revert(services, run.run_id, as_of=AS_OF)
    for contact in ma.records.values():  # the marketing side changes again: both people are pulled anew
        contact["properties"]["lastmodifieddate"] = "2026-11-23T15:30:00Z"

    later = run_sync(services, as_of=AS_OF + timedelta(hours=1), dry_run=False)

    assert later.corrections == [] and {(s.record_id, s.reason.value) for s in later.skipped} == {
        ("00Q000000000000000", "reverted_hold"), ("00Q000000000000001", "reverted_hold")}
    assert all(record["Status"] == "Open - Not Contacted" for record in crm.records.values())
    assert plan_document(later)["skipped"][0]["reason"] == "reverted_hold"

    for contact in ma.records.values():
        contact["properties"]["lastmodifieddate"] = "2026-11-23T16:30:00Z"
    changed = replace(services, compiled=compiled(two_way=True))  # another definition version: the hold is lifted
    assert {c.record_id for c in run_sync(changed, as_of=AS_OF + timedelta(hours=2), dry_run=True).corrections
            if c.system == "salesforce"} == {"00Q000000000000000", "00Q000000000000001"}

    assert state.release(keys=[("salesforce", "00Q000000000000001")]) == [("salesforce", "00Q000000000000001")]
    released = run_sync(services, as_of=AS_OF + timedelta(hours=2), dry_run=True)
    assert {c.record_id for c in released.corrections} == {"00Q000000000000001"}


def three_mqls_synced_at_closing_time(make_state: Callable[[], Any]) -> tuple[Services, FakeSystem]:
    """Three MQLs (SLA 4 business hours) entered Monday 09:30, 15:30 and 16:45 New York; synced at 17:00 Monday."""
    services, crm, ma, _ = _world(make_state, people=3)
    entered = ["2026-11-23T14:30:00Z", "2026-11-23T20:30:00Z", "2026-11-23T21:45:00Z"]
    for n, instant in enumerate(entered):
        lead = f"00Q{n:015d}"
        ma.records[str(500 + n)]["properties"]["hs_v2_date_entered_marketingqualifiedlead"] = instant
        crm.records[lead]["Status"] = "Marketing Qualified"
        crm.history[lead][0].update(NewValue="Marketing Qualified", CreatedDate=instant.replace("Z", ".000+0000"))
    run_sync(services, as_of=datetime(2026, 11, 23, 22, tzinfo=UTC), dry_run=False)
    return services, crm


def test_an_hourly_sweep_around_the_clock_flags_breaches_only_after_working_time(make_state: Callable[[], Any]) -> None:
    """Why `sla-sweep` may run every hour of every day: outside the calendar's hours SLA clocks stand still."""
    services, crm = three_mqls_synced_at_closing_time(make_state)
    assert set(crm.flags) == {"00Q000000000000000"}  # 4 business hours after 09:30

    flagged_at: dict[str, datetime] = {}
    for hour in range(48):  # Monday 17:05 to Wednesday 16:05 New York, every hour
        as_of = datetime(2026, 11, 23, 22, 5, tzinfo=UTC) + timedelta(hours=hour)
        before = set(crm.flags)
        run_sla_sweep(services, as_of=as_of)
        for lead in set(crm.flags) - before:
            flagged_at[lead] = as_of
            assert elapsed(services.sla.calendar, as_of - timedelta(hours=1), as_of) > timedelta(0), (lead, as_of)
    assert flagged_at == {"00Q000000000000001": datetime(2026, 11, 24, 17, 5, tzinfo=UTC),   # 1.5 h Mon + 2.5 h Tue
                          "00Q000000000000002": datetime(2026, 11, 24, 18, 5, tzinfo=UTC)}   # 0.25 h Mon + 3.75 h Tue


def test_explain_shows_the_hold_a_revert_left_and_no_write(make_state: Callable[[], Any]) -> None:
    services, _, _, _ = _world(make_state, people=1)
    run = run_sync(services, as_of=AS_OF, dry_run=False)
    run_revert(services, run.run_id, as_of=AS_OF)

    story = explain_lead(services, "00Q000000000000000", AS_OF + timedelta(hours=1)).as_dict()

    assert story["held"] == [{"system": "salesforce", "record_id": "00Q000000000000000", "reverted_run": run.run_id,
                              "since": AS_OF.isoformat().replace("+00:00", "Z")}]
    assert story["planned_corrections"] == [] and {s["reason"] for s in story["skipped"]} == {"reverted_hold"}
    assert f"HELD: salesforce 00Q000000000000000 was put back by a revert of run {run.run_id}" in render_story(story)


@given(start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
       span_h=st.integers(min_value=1, max_value=24 * 400), chunk_h=st.integers(min_value=1, max_value=24 * 90),
       slices=st.integers(min_value=1, max_value=16))
def test_slices_of_a_backfill_walk_exactly_the_chunks_of_the_whole(start: datetime, span_h: int, chunk_h: int,
                                                                   slices: int) -> None:
    end, chunk = start + timedelta(hours=span_h), timedelta(hours=chunk_h)
    ranges = slice_windows(start, end, chunk, slices)
    whole = [chunk_key(w, ["salesforce"], False) for w in chunk_windows(start, end, chunk)]
    sliced = [chunk_key(w, ["salesforce"], False) for r in ranges for w in chunk_windows(r.start, r.end, chunk)]

    assert sliced == whole
    assert len(ranges) == min(slices, len(whole))
    assert ranges[0].start == start and ranges[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    sizes = [len(list(chunk_windows(r.start, r.end, chunk))) for r in ranges]
    assert max(sizes) - min(sizes) <= 1
