"""The sync over in-memory systems and the wall clock: SLA starts that hold from one run to the next, as-of instants
that never poison watermarks, and dates the business calendar cannot handle quarantined while the run goes on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.fakes.state import FakeRunState
from connectors.fakes.system import FakeSystem
from connectors.ports import TimeWindow
from connectors.settings import RunSettings
from flows.runs.backfill import run_backfill
from flows.runs.impact import replay
from flows.runs.services import Services, SystemPorts
from flows.runs.sla_sweep import run_sla_sweep
from flows.runs.sync import FutureAsOfError, findings, run_sync
from mapping.quarantine import QuarantinedValue
from mapping.sla import SlaEntry
from tests.factories import at, compiled, hs_contact, sf_lead, sf_stamp

AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)
WALL = AS_OF + timedelta(hours=2)  # the wall clock of these tests
FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


def _ports(system: FakeSystem) -> SystemPorts:
    return SystemPorts(source=system, writer=system, picklist=system, evidence=system, flags=system, owners=system)


def _services(crm: FakeSystem, ma: FakeSystem, state: Any, clock: datetime = WALL) -> Services:
    return Services(compiled(), {"salesforce": _ports(crm), "hubspot": _ports(ma)}, state, RunSettings(),
                    clock=lambda: clock)


def _systems() -> tuple[FakeSystem, FakeSystem]:
    return FakeSystem("salesforce"), FakeSystem("hubspot")


def _clock(report: Any, record_id: str) -> SlaEntry:
    (entry,) = [e for e in report.sla if e.record_id == record_id]
    return entry


# --- a lead created directly in an SLA stage; a start that stays put ----------------------------------------


def test_a_lead_created_in_an_sla_stage_shows_breached_in_a_dry_run_as_of_a_later_instant() -> None:
    # No LeadHistory row: created as an MQL on Friday 10:00 UTC, unworked. As of Monday it is breached (before,
    # the clock started at the dry run's as-of itself and could never show breached).
    crm, ma = _systems()
    record, _ = sf_lead("00Q000000000001AAA", "Marketing Qualified", CreatedDate=sf_stamp(at(20, 10)))
    crm.load([record])
    report = run_sync(_services(crm, ma, FakeRunState()), as_of=AS_OF, dry_run=True)

    entry = _clock(report, record["Id"])
    assert entry.started_at == at(20, 10) and not entry.started_estimated
    assert entry.state.value == "breached" and entry.breached_at == datetime(2026, 11, 20, 18, tzinfo=UTC)


def test_the_sla_start_a_sync_reports_is_the_one_the_next_plan_reports(make_state: Callable[[], Any]) -> None:
    crm, ma = _systems()
    created, _ = sf_lead("00Q000000000001AAA", "Marketing Qualified", "a@example.com", CreatedDate=sf_stamp(at(20, 10)))
    # History that does not show the entry into the current stage: the start is leadsync's first sight (estimated).
    unknown, _ = sf_lead("00Q000000000002AAA", "Marketing Qualified", "b@example.com")
    crm.history[unknown["Id"]] = [{"LeadId": unknown["Id"], "Field": "Status", "NewValue": "Open - Not Contacted",
                                   "CreatedDate": sf_stamp(at(2))}]
    # At inquiry in Salesforce, an MQL in HubSpot with no entry date: leadsync moves it into MQL now.
    moved, history = sf_lead("00Q000000000003AAA", "Open - Not Contacted", "c@example.com", entered=at(2))
    crm.history[moved["Id"]] = history
    crm.load([created, unknown, moved])
    ma.load([hs_contact("503", "marketingqualifiedlead", "c@example.com", score=70,
                        lastmodifieddate="2026-11-20T12:00:00Z")])
    services = _services(crm, ma, make_state())

    synced = run_sync(services, as_of=AS_OF, dry_run=False)
    assert synced.status == "succeeded" and crm.records[moved["Id"]]["Status"] == "Marketing Qualified"
    # What Salesforce does with the write that landed three seconds after the sync's as-of: a LeadHistory row.
    landed = AS_OF + timedelta(seconds=3)
    crm.history[moved["Id"]].append({"LeadId": moved["Id"], "Field": "Status", "NewValue": "Marketing Qualified",
                                     "CreatedDate": sf_stamp(landed)})
    for record in (created, unknown, moved):
        crm.records[record["Id"]]["SystemModstamp"] = sf_stamp(landed)
    planned = run_sync(services, as_of=AS_OF + timedelta(hours=1), dry_run=True)

    for record_id, started_at, estimated in ((created["Id"], at(20, 10), False), (unknown["Id"], AS_OF, True),
                                             (moved["Id"], AS_OF, False)):
        before, after = _clock(synced, record_id), _clock(planned, record_id)
        assert (before.started_at, before.started_estimated) == (started_at, estimated), record_id
        assert (after.started_at, after.started_estimated) == (started_at, estimated), record_id


# --- as-of instants and the wall clock -----------------------------------------------------------------------


def _one_mis_staged_lead() -> tuple[FakeSystem, FakeSystem]:
    crm, ma = _systems()
    record, history = sf_lead("00Q000000000001AAA", "Open - Not Contacted", "a@example.com", entered=at(2))
    crm.load([record])
    crm.history[record["Id"]] = history
    ma.load([hs_contact("501", "marketingqualifiedlead", "a@example.com", score=70, entered=at(5),
                        lastmodifieddate="2026-11-20T12:00:00Z")])
    return crm, ma


def test_an_applying_sync_as_of_the_future_is_refused_and_moves_no_watermark(make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    state = make_state()
    with pytest.raises(FutureAsOfError, match="in the future"):
        run_sync(_services(crm, ma, state), as_of=FUTURE, dry_run=False)
    assert state.watermark("salesforce") is None and state.watermark("hubspot") is None
    assert crm.writes == []


def test_a_dry_run_as_of_the_future_pulls_up_to_the_wall_clock_and_moves_no_watermark(
        make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    state = make_state()
    report = run_sync(_services(crm, ma, state), as_of=FUTURE, dry_run=True)

    assert report.status == "dry_run" and len(report.corrections) == 1
    assert {w.end for w in report.windows.values()} == {WALL}
    assert state.watermark("salesforce") is None and state.watermark("hubspot") is None


def test_watermarks_never_pass_the_wall_clock_and_one_beyond_it_is_not_trusted(make_state: Callable[[], Any]) -> None:
    # A store an older version left with a 2030 watermark: the next sync pulls everything again, not nothing.
    crm, ma = _one_mis_staged_lead()
    state = make_state()
    state.record_observations([], {"salesforce": FUTURE, "hubspot": FUTURE})
    services = _services(crm, ma, state)

    report = run_sync(services, as_of=AS_OF, dry_run=False)

    assert report.status == "succeeded" and "beyond the wall clock" in report.message
    assert crm.records["00Q000000000001AAA"]["Status"] == "Marketing Qualified"
    assert state.watermark("salesforce") == AS_OF and state.watermark("hubspot") == AS_OF
    again = run_sync(services, as_of=WALL, dry_run=False)
    assert again.message == "" and state.watermark("salesforce") == WALL


def test_a_time_window_never_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        TimeWindow(AS_OF, AS_OF - timedelta(microseconds=1))
    assert TimeWindow(AS_OF, AS_OF).start == AS_OF


def test_a_dry_run_as_of_before_the_watermark_pulls_an_empty_window(make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    services = _services(crm, ma, make_state())
    run_sync(services, as_of=AS_OF, dry_run=False)
    report = run_sync(services, as_of=at(1), dry_run=True)
    assert report.status == "dry_run" and all(w.start == w.end == at(1) for w in report.windows.values())


def test_the_sla_sweep_refuses_a_future_as_of(make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    with pytest.raises(FutureAsOfError):
        run_sla_sweep(_services(crm, ma, make_state()), as_of=FUTURE)
    assert crm.flags == {}


def test_a_backfill_never_walks_past_the_wall_clock(make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    state = make_state()
    report = run_backfill(_services(crm, ma, state), start=at(1), end=FUTURE, as_of=AS_OF, dry_run=False,
                          chunk=timedelta(days=30))
    assert report.status == "succeeded" and report.chunks
    assert all(datetime.fromisoformat(key.rsplit("/", 1)[1]) <= WALL for key in report.chunks)


# --- dates the business calendar cannot handle ----------------------------------------------------------------


def test_an_out_of_range_date_is_quarantined_with_its_record_and_field_and_the_run_goes_on(
        make_state: Callable[[], Any]) -> None:
    crm, ma = _one_mis_staged_lead()
    ma.load([hs_contact("502", "marketingqualifiedlead", "b@example.com", score=70,
                        hs_v2_date_entered_marketingqualifiedlead="0001-01-01T00:00:00Z",
                        lastmodifieddate="2026-11-20T12:00:00Z"),
             hs_contact("503", "marketingqualifiedlead", "c@example.com", score=70, entered=at(5),
                        notes_last_contacted="9999-12-31", lastmodifieddate="2026-11-20T12:00:00Z")])
    old, history = sf_lead("00Q000000000004AAA", "Marketing Qualified", "d@example.com", entered=at(2),
                           CreatedDate="0001-01-01T00:00:00.000+0000")
    crm.load([old])
    crm.history[old["Id"]] = [*history, {**history[0], "CreatedDate": "2999-01-01T00:00:00.000+0000"}]
    services = _services(crm, ma, make_state())

    planned = run_sync(services, as_of=AS_OF, dry_run=True)
    applied = run_sync(services, as_of=AS_OF, dry_run=False)

    assert planned.status == "dry_run" and applied.status == "succeeded"
    expected = {
        QuarantinedValue("hubspot", "502", "hs_v2_date_entered_marketingqualifiedlead", "UNPARSEABLE_DATETIME",
                         "0001-01-01T00:00:00Z"),
        QuarantinedValue("hubspot", "503", "notes_last_contacted", "UNPARSEABLE_DATETIME", "9999-12-31"),
        QuarantinedValue("salesforce", old["Id"], "CreatedDate", "UNPARSEABLE_DATETIME", "0001-01-01T00:00:00.000+0000"),
        QuarantinedValue("salesforce", old["Id"], "LeadHistory.CreatedDate", "UNPARSEABLE_DATETIME",
                         "2999-01-01T00:00:00.000+0000"),
    }
    assert expected <= set(planned.quarantined)
    assert planned.counts()["quarantined_values"] == len(planned.quarantined)
    assert {"system": "hubspot", "record_id": "502", "field": "hs_v2_date_entered_marketingqualifiedlead",
            "code": "UNPARSEABLE_DATETIME", "value": "0001-01-01T00:00:00Z"} in findings(planned)["quarantined"]
    assert crm.records["00Q000000000001AAA"]["Status"] == "Marketing Qualified"  # the good lead was corrected
    assert {e.record_id for e in planned.sla} >= {old["Id"], "00Q000000000001AAA"}


def test_a_live_replay_as_of_the_future_reads_up_to_the_wall_clock_and_one_before_2000_reads_nothing() -> None:
    crm, ma = _one_mis_staged_lead()
    services = _services(crm, ma, FakeRunState())
    assert len(replay(services, FUTURE).outcomes) == 1
    assert replay(services, datetime(1990, 1, 1, tzinfo=UTC)).outcomes == {}
