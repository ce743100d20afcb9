"""The state roles (connectors.ports: RunLog, Locks, Observations, Audit, SlaClocks, SnapshotStore, PulledRecords,
Checkpoints, Revisits, Holds, OwnerNameCache), one suite each over every RunState: the fake, SQLite, and PostgreSQL when
LEADSYNC_TEST_DATABASE_URL is set. What only the SQL store does (migrations, races between processes, stale-lock
takeover, heartbeats) is in test_sql_state.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connectors.errors import RunLockedError
from connectors.ports import (
    Audit,
    CachedOwnerName,
    Checkpoints,
    Hold,
    Holds,
    Locks,
    Observations,
    OwnerNameCache,
    PulledRecord,
    PulledRecords,
    Revisits,
    RunLog,
    RunState,
    SlaClocks,
    Snapshot,
    SnapshotStore,
    StageEvidence,
    WriteOutcome,
)
from mapping.match import LeadPair, LinkKind
from mapping.plan import Correction, Skipped, SkipReason
from mapping.records import CanonicalLead
from mapping.sla import Observed
from mapping.sla_clock import SlaState
from tests.contract.ports.worlds import breach

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)




def _correction(record_id: str, after: str = "Marketing Qualified", system: str = "salesforce") -> Correction:
    return Correction(system, record_id, "Status", "Open - Not Contacted", after, "inquiry", "mql", "marketing_evidence",
                      "a role test", "1")


# --- RunLog -----------------------------------------------------------------------------------------------------------


def test_runs_are_listed_newest_first_with_their_status_and_findings_kept_per_kind(state: RunLog) -> None:
    sync = state.start_run("sync", {"dry_run": True})
    state.save_findings(sync, {"violations": [{"record_id": "00QA"}]})
    state.finish_run(sync, "succeeded", {"corrections": 2})
    impact = state.start_run("impact", {})
    state.save_findings(impact, {"impact": [{"leads": 3}]})

    runs = state.list_runs(5)

    assert [(run["id"], run["kind"], run["status"]) for run in runs] == [(impact, "impact", "running"),
                                                                         (sync, "sync", "succeeded")]
    assert state.latest_findings("sync") == {"violations": [{"record_id": "00QA"}]}
    assert state.latest_findings() == {"impact": [{"leads": 3}]}


# --- Locks ------------------------------------------------------------------------------------------------------------


def test_a_held_lock_refuses_another_holder_and_is_free_once_released(state: Locks) -> None:
    with state.lock("sync", "first", timedelta(hours=1)), pytest.raises(RunLockedError), \
            state.lock("sync", "second", timedelta(hours=1)):
        pass
    with state.lock("sync", "second", timedelta(hours=1)), state.lock("sla_sweep", "third", timedelta(hours=1)):
        pass  # another kind is another lock


# --- Observations -----------------------------------------------------------------------------------------------------


def test_a_window_s_stages_links_and_watermark_are_kept_together(state: Observations) -> None:
    crm = CanonicalLead("salesforce", "00QA", "a@x.io", "mql", {}, {}, stage_entered_at=datetime(2026, 11, 2, tzinfo=UTC))
    ma = CanonicalLead("hubspot", "501", "a@x.io", "mql", {}, {})
    state.record_observations([LeadPair(crm, ma, LinkKind.EMAIL)], {"salesforce": AT}, observed_at=AT)

    assert state.watermark("salesforce") == AT and state.watermark("hubspot") is None
    assert state.links_for_hubspot(["501", "502"]) == {"501": "00QA"}
    assert state.links_for_salesforce(["00QA"]) == {"00QA": "501"}
    assert state.first_observed([("salesforce", "00QA"), ("hubspot", "501"), ("hubspot", "999")]) == {
        ("salesforce", "00QA"): Observed("mql", datetime(2026, 11, 2, tzinfo=UTC), False),
        ("hubspot", "501"): Observed("mql", AT, True)}  # no entry date: dated by the run that first saw it
    assert sorted(state.current_stages()) == [("mql", datetime(2026, 11, 2, tzinfo=UTC)), ("mql", AT)]


# --- Audit ------------------------------------------------------------------------------------------------------------


def test_intents_are_settled_by_their_outcomes_and_a_revert_takes_them_back(state: RunState) -> None:
    audit: Audit = state
    run_id = state.start_run("sync", {})
    landed, refused, unanswered = _correction("00QA"), _correction("00QB"), _correction("00QC")
    audit.record_intents(run_id, [landed, refused, unanswered])
    audit.record_outcomes(run_id, [(landed, WriteOutcome("00QA", True)),
                                   (refused, WriteOutcome("00QB", False, "FIELD_CUSTOM_VALIDATION_EXCEPTION"))], set())

    assert audit.pending_intents("salesforce") == [(run_id, unanswered)] and audit.pending_intents("hubspot") == []
    audit.settle_intents([(run_id, unanswered, True)])  # read back: it had landed
    assert audit.pending_intents("salesforce") == []
    assert audit.applied_changes(run_id) == [landed, unanswered]
    assert set(audit.recent_corrections([("salesforce", "00QA"), ("salesforce", "00QB")], AT - timedelta(days=3650)))\
        == {("salesforce", "00QA")}

    audit.mark_reverted(run_id, [("salesforce", "00QA", "Status")])

    assert audit.applied_changes(run_id) == [unanswered]
    assert [row["status"] for row in audit.lead_history([("salesforce", "00QA")])] == ["reverted"]
    counts = {(rule, status): n for rule, status, n in audit.correction_counts(AT - timedelta(days=3650))}
    assert counts == {("marketing_evidence", "applied"): 1, ("marketing_evidence", "failed"): 1,
                      ("marketing_evidence", "reverted"): 1}
    assert [row["record_id"] for row in audit.list_audit("applied", 10)] == ["00QC"]


# --- SlaClocks --------------------------------------------------------------------------------------------------------


def test_a_breach_is_new_once_flagged_and_cleared_when_the_clock_stops(state: SlaClocks) -> None:
    late = breach("salesforce", "00QA", "005A")
    assert state.upsert_sla([late], AT).new_breaches == [late]
    state.mark_flags([("salesforce", "00QA", late.stage)], [], AT)

    again = state.upsert_sla([late], AT)
    assert again.new_breaches == [] and again.changed == 0
    assert state.open_clocks() == [("salesforce", "00QA")]
    assert state.clock_states() == [("mql", "005A", "breached")]

    assert state.upsert_sla([replace(late, state=SlaState.MET)], AT).cleared == [("salesforce", "00QA")]
    assert state.open_clocks() == []
    assert [row["flagged_stage"] for row in state.clock_rows([("salesforce", "00QA")])] == ["mql"]


# --- SnapshotStore ----------------------------------------------------------------------------------------------------


def test_snapshots_are_upserted_paged_by_id_and_found_by_id_or_email(state: SnapshotStore) -> None:
    state.save_snapshots([Snapshot("hubspot", str(n), f"c{n}@x.io", {"id": str(n)}) for n in (3, 1, 2)])
    state.save_snapshots([Snapshot("hubspot", "2", "c2@x.io", {"id": "2", "properties": {"lifecyclestage": "lead"}})])

    assert [s.record_id for s in state.snapshot_page("hubspot", None, 2)] == ["1", "2"]
    assert [s.record_id for s in state.snapshot_page("hubspot", "2", 2)] == ["3"]
    assert state.snapshots("hubspot", ["2", "9"])[0].record == {"id": "2", "properties": {"lifecyclestage": "lead"}}
    assert [s.record_id for s in state.snapshots_by_email("hubspot", ["c3@x.io"])] == ["3"]
    assert state.snapshots("salesforce", ["2"]) == []


def test_snapshot_ids_page_alike_and_cuts_fall_on_page_ends(state: SnapshotStore) -> None:
    ids = [f"00Q{n:03d}" for n in range(10)]
    state.save_snapshots([Snapshot("salesforce", i, None, {"Id": i}) for i in reversed(ids)])

    assert state.snapshot_ids("salesforce", "00Q003", 4) == ids[4:8]
    assert state.snapshot_cuts("salesforce", 2, 2) == ["00Q003"]  # 5 pages of 2: ranges of 2 and 3 pages
    assert state.snapshot_cuts("salesforce", 3, 4) == ["00Q003", "00Q007"]  # 3 pages of 4, the last short
    assert state.snapshot_cuts("salesforce", 4, 2, at_least=5) == ["00Q003"]  # one range per 5 at most: two
    assert state.snapshot_cuts("salesforce", 2, 20) == state.snapshot_cuts("hubspot", 2, 2) == []  # one page, none


# --- PulledRecords ----------------------------------------------------------------------------------------------------


def _pulled(record_id: str, modified_ms: int, email: str | None = None) -> PulledRecord:
    return PulledRecord("hubspot", record_id, modified_ms, record_id.zfill(20), email, {"id": record_id})


def test_pulled_records_are_kept_per_run_replayed_by_window_in_order_and_found_by_id_or_email(
        state: PulledRecords) -> None:
    state.keep_pulled("run-1", [_pulled("10", 5, "a@x.io"), _pulled("9", 5), _pulled("3", 7), _pulled("4", 99)])
    state.keep_pulled("run-1", [_pulled("3", 6, "c@x.io")])  # pulled again: the last copy counts
    state.keep_pulled("run-2", [_pulled("1", 5, "a@x.io")])

    first = state.pulled_page("run-1", "hubspot", (5, 99), None, 2)
    assert [r.record_id for r in first] == ["9", "10"]  # one instant: ids as numbers, not as text
    last = first[-1]
    assert [r.record_id for r in state.pulled_page("run-1", "hubspot", (5, 99), (last.modified_ms, last.order_id), 2)] \
        == ["3"]
    assert state.pulled("run-1", "hubspot", ["3", "1"]) == [{"id": "3"}]
    assert state.pulled_by_email("run-1", "hubspot", ["a@x.io", "c@x.io"]) == [{"id": "3"}, {"id": "10"}]
    assert state.pulled("run-1", "salesforce", ["3"]) == []


def test_pulled_evidence_is_found_by_record_and_dropped_with_the_run(state: PulledRecords) -> None:
    history = {"00QA": [{"LeadId": "00QA", "NewValue": "Open"}], "00QB": [{"LeadId": "00QB", "NewValue": "MQL"}]}
    state.keep_pulled("run-1", [_pulled("1", 5)])
    state.keep_pulled_evidence("run-1", StageEvidence(history, {}))
    state.keep_pulled_evidence("run-1", StageEvidence({"00QA": [{"LeadId": "00QA", "NewValue": "MQL"}]},
                                                      {"00QA": [{"WhoId": "00QA"}]}))

    found = state.pulled_evidence("run-1", ["00QA"])
    assert [row["NewValue"] for row in found.history["00QA"]] == ["Open", "MQL"] and set(found.history) == {"00QA"}
    assert found.activities == {"00QA": [{"WhoId": "00QA"}]}
    assert state.pulled_evidence("run-2", ["00QA"]).history == {}

    state.drop_pulled("run-1")
    assert state.pulled("run-1", "hubspot", ["1"]) == [] and state.pulled_evidence("run-1", ["00QA"]).history == {}


def test_what_a_killed_run_left_is_dropped_and_a_live_run_s_pulls_are_kept(state: RunState) -> None:
    """A run killed mid-plan (kill -9) leaves its pulls and observed leads; the next full run drops them, never those
    of a run still holding its lock (a fanned-out slice planning at the same time)."""
    seen = LeadPair(CanonicalLead("salesforce", "00Q1", None, "mql", {}, {}), None, LinkKind.NONE)
    for run_id in ("killed", "alive"):
        state.keep_pulled(run_id, [_pulled("1", 5)])
        state.keep_pulled_evidence(run_id, StageEvidence({"00QA": [{"LeadId": "00QA"}]}, {}))
        state.keep_items(run_id, {"observed": [seen], "sla": [breach("salesforce", "00Q1", None)]})
    with state.lock("sync", "alive", timedelta(minutes=5)):
        state.drop_orphaned()
        assert state.pulled("alive", "hubspot", ["1"]) and state.pulled_evidence("alive", ["00QA"]).history
        assert state.item_page("alive", "observed", 0, 10)
    assert state.pulled("killed", "hubspot", ["1"]) == [] and state.pulled_evidence("killed", ["00QA"]).history == {}
    assert state.item_page("killed", "observed", 0, 10) == []
    assert state.item_page("killed", "sla", 0, 10)  # what the plan and reports read stays until pruned


# --- RunItems ---------------------------------------------------------------------------------------------------------


def test_run_items_come_back_whole_in_order_page_by_page_per_system_and_by_record(state: RunState) -> None:
    """What a run keeps as it plans reads back equal (every field, datetimes aware, enums as enums), in the order
    kept, paged by position; observed leads keep their stages and entries; pruning forgets old runs' items."""
    corrections = [Correction("salesforce", f"00Q{n}", "Status", "Open", "MQL", "new", "mql", "rule", "why", "v1",
                              n % 3, (("leadsync_note__c", "moved"),) if n % 2 else ()) for n in range(5)]
    corrections.append(Correction("hubspot", "77", "lifecyclestage", None, "lead", "", "lead", "r", "w", "v1"))
    sla = [breach("salesforce", "00Q1", "005A"), breach("hubspot", "77", None)]
    skipped = [Skipped("hubspot", "78", "lead", "mql", SkipReason.LOOP)]
    seen = LeadPair(CanonicalLead("salesforce", "00Q1", None, "mql", {}, {}, stage_entered_at=AT),
                    CanonicalLead("hubspot", "77", None, "lead", {}, {}), LinkKind.EMAIL)
    run_id = state.start_run("sync", {})  # pruning goes by when the run started
    state.keep_items(run_id, {"correction": corrections[:4], "sla": sla[:1]})
    state.keep_items(run_id, {"correction": corrections[4:], "sla": sla[1:], "skipped": skipped, "observed": [seen]})

    first = state.item_page(run_id, "correction", 0, 4)
    rest = state.item_page(run_id, "correction", first[-1][0], 4)
    assert [item for _, item in first + rest] == corrections and len(rest) == 2
    assert [item for _, item in state.item_page(run_id, "correction", 0, 10, "hubspot")] == corrections[5:]
    assert [item for _, item in state.item_page(run_id, "sla", 0, 10)] == sla
    assert [item for _, item in state.item_page(run_id, "skipped", 0, 10)] == skipped
    observed = state.item_page(run_id, "observed", 0, 10)[0][1]
    assert (observed.crm.stage, observed.crm.stage_entered_at, observed.ma.record_id, observed.link) == \
        ("mql", AT, "77", LinkKind.EMAIL)
    assert state.items_of(run_id, "correction", [("salesforce", "00Q3"), ("hubspot", "77")]) == \
        [corrections[3], corrections[5]]

    state.drop_items(run_id, ["observed"])
    assert state.item_page(run_id, "observed", 0, 10) == [] and len(state.item_page(run_id, "sla", 0, 10)) == 2
    state.prune_items(datetime.now(UTC) - timedelta(days=1))
    assert len(state.item_page(run_id, "sla", 0, 10)) == 2
    state.prune_items(datetime.now(UTC) + timedelta(days=1))
    assert state.item_page(run_id, "sla", 0, 10) == []


# --- Checkpoints and Revisits -----------------------------------------------------------------------------------------


def test_checkpoints_are_kept_per_kind(state: Checkpoints) -> None:
    state.mark_done("backfill", "2026-11-01", {"corrections": 3})
    state.mark_done("backfill", "2026-11-01", {"corrections": 3})  # a rerun marks it again: no error
    assert state.done_keys("backfill") == {"2026-11-01"} and state.done_keys("other") == set()


def test_revisits_are_kept_per_system_until_cleared(state: Revisits) -> None:
    state.add_revisits([("salesforce", "00QB", "UNABLE_TO_LOCK_ROW"), ("salesforce", "00QA", None), ("hubspot", "7", None)])
    state.add_revisits([("salesforce", "00QA", "released")])

    assert state.revisits("salesforce") == ["00QA", "00QB"]
    state.clear_revisits([("salesforce", "00QA"), ("hubspot", "00QB")])
    assert state.revisits("salesforce") == ["00QB"] and state.revisits("hubspot") == ["7"]


# --- Holds and OwnerNameCache (moved from test_sql_state.py: the fake runs them too) ------------------------------


def test_holds_apply_under_their_definition_version_and_are_released_by_record_run_or_all(state: Holds) -> None:
    state.hold([("salesforce", "00QA"), ("hubspot", "501")], "v1", "run-1", AT)
    state.hold([("salesforce", "00QB")], "v1", "run-2", AT)

    held = state.holds([("salesforce", "00QA"), ("salesforce", "00QB"), ("salesforce", "501")], "v1")
    assert set(held) == {("salesforce", "00QA"), ("salesforce", "00QB")}  # the system is part of the key
    assert held[("salesforce", "00QA")] == Hold("run-1", AT, "v1")
    assert state.holds([("salesforce", "00QA")], "v2") == {}  # a new definition version lifts the hold

    assert state.release(keys=[("hubspot", "501")]) == [("hubspot", "501")]
    assert state.release(run_id="run-2") == [("salesforce", "00QB")]
    assert set(state.holds([("salesforce", "00QA"), ("salesforce", "00QB"), ("hubspot", "501")], "v1")) == {
        ("salesforce", "00QA")}
    assert state.release() == [("salesforce", "00QA")] and state.holds([("salesforce", "00QA")], "v1") == {}


def test_owner_names_are_cached_per_system_misses_included_and_refreshed_in_place(state: OwnerNameCache) -> None:
    first, later = datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 24, 10, tzinfo=UTC)
    state.save_owner_names("salesforce", {"005A": "Ada Lovelace", "005B": None}, first)  # None: not known there
    state.save_owner_names("hubspot", {"005A": "Someone Else", "70001": "Grace Hopper"}, first)

    assert state.owner_names("salesforce", ["005A", "005B", "005C"]) == {
        "005A": CachedOwnerName("Ada Lovelace", first), "005B": CachedOwnerName(None, first)}

    state.save_owner_names("salesforce", {"005A": "Ada King", "005B": "x" * 300}, later)
    cached = state.owner_names("salesforce", ["005A", "005B"])
    assert cached["005A"] == CachedOwnerName("Ada King", later) and cached["005A"].fetched_at.tzinfo is not None
    assert cached["005B"].name == "x" * 255  # a name longer than the column is cut, never an error
    assert state.owner_names("hubspot", ["70001"]) == {"70001": CachedOwnerName("Grace Hopper", first)}
