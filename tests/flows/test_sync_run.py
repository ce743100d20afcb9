"""The sync run over in-memory systems: dry run, apply, convergence, guards, crash recovery, SLA flags, locks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.errors import RunLockedError
from connectors.fakes.state import FakeRunState
from connectors.fakes.system import FakeSystem
from connectors.settings import RunSettings
from flows.render.plan import plan_document
from flows.runs.services import Services, SystemPorts
from flows.runs.sync import run_sync
from tests.factories import at, compiled, hs_contact, sf_lead
from tests.flows.conftest import audit_statuses

AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)


def _ports(system: FakeSystem) -> SystemPorts:
    return SystemPorts(source=system, writer=system, picklist=system, evidence=system, flags=system, owners=system)


def _world(make_state: Callable[[], Any] = FakeRunState, people: int = 4, **settings: object
           ) -> tuple[Services, FakeSystem, FakeSystem, Any]:
    """`people` leads at inquiry in Salesforce that HubSpot already calls MQL (score 70): each needs a correction."""
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    for n in range(people):
        record, history = sf_lead(f"00Q{n:015d}", "Open - Not Contacted", f"p{n}@example.com", entered=at(2))
        crm.load([record])
        crm.history[record["Id"]] = history
        ma.load([hs_contact(str(500 + n), "marketingqualifiedlead", f"p{n}@example.com", score=70, entered=at(5),
                            lastmodifieddate="2026-11-20T12:00:00Z")])
    state = make_state()
    services = Services(compiled(), {"salesforce": _ports(crm), "hubspot": _ports(ma)}, state, RunSettings(**settings))
    return services, crm, ma, state


def test_dry_run_plans_and_writes_nothing(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state)
    report = run_sync(services, as_of=AS_OF, dry_run=True)

    assert report.status == "dry_run"
    assert len(report.corrections) == 4 and {c.after for c in report.corrections} == {"Marketing Qualified"}
    assert crm.writes == [] and crm.calls["write"] == 0
    assert state.watermark("salesforce") is None


def test_apply_writes_verifies_and_a_second_run_converges(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state)
    first = run_sync(services, as_of=AS_OF, dry_run=False)

    assert first.status == "succeeded"
    assert first.applied["salesforce"].applied == 4 and first.applied["salesforce"].verified == 4
    assert {crm.records[f"00Q{n:015d}"]["Status"] for n in range(4)} == {"Marketing Qualified"}
    assert crm.calls["write"] == 1  # one batch call for four records
    assert audit_statuses(state).count("applied") == 4

    second = run_sync(services, as_of=AS_OF.replace(hour=16), dry_run=False)
    assert second.corrections == [] and second.status == "succeeded"


def test_blast_radius_blocks_and_the_override_applies(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, max_changes=2)
    blocked = run_sync(services, as_of=AS_OF, dry_run=False)

    assert blocked.status == "blocked" and "4 of" in blocked.message
    assert crm.writes == []

    allowed = run_sync(services, as_of=AS_OF, dry_run=False, allow_mass_change=True)
    assert allowed.status == "succeeded" and len(crm.writes) == 4


def test_converted_leads_are_never_written(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=1)
    crm.records["00Q000000000000000"].update(IsConverted=True)
    report = run_sync(services, as_of=AS_OF, dry_run=False)

    assert crm.writes == []
    assert [s.reason.value for s in report.skipped] == ["converted"]


def test_a_failed_write_is_reported_per_record_and_the_rest_applies(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=3)
    crm.rejected["00Q000000000000001"] = ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Owner required")
    report = run_sync(services, as_of=AS_OF, dry_run=False)

    result = report.applied["salesforce"]
    assert result.applied == 2
    assert [(c.record_id, o.code) for c, o in result.failed] == [("00Q000000000000001", "FIELD_CUSTOM_VALIDATION_EXCEPTION")]
    assert audit_statuses(state).count("failed") == 1


def test_a_crash_before_the_write_is_settled_as_abandoned_and_written_once_by_the_next_run(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=2)
    crm.fail_next["write"] = 1

    with pytest.raises(Exception, match="injected failure"):
        run_sync(services, as_of=AS_OF, dry_run=False)
    assert audit_statuses(state) == ["pending", "pending"]

    report = run_sync(services, as_of=AS_OF.replace(hour=16), dry_run=False)
    assert report.settled_intents == 2 and report.status == "succeeded"
    assert len(crm.writes) == 2
    assert sorted(audit_statuses(state)) == ["abandoned", "abandoned", "applied", "applied"]


def test_a_crash_after_the_write_is_settled_as_applied_and_never_written_again(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=2)
    crm.pass_first["read"], crm.fail_next["read"] = 1, 1  # past the check before the write, the read-back fails

    with pytest.raises(Exception, match="injected failure"):
        run_sync(services, as_of=AS_OF, dry_run=False)
    assert len(crm.writes) == 2

    report = run_sync(services, as_of=AS_OF.replace(hour=16), dry_run=False)
    assert report.settled_intents == 2 and report.corrections == []
    assert len(crm.writes) == 2
    assert audit_statuses(state) == ["applied", "applied"]


def test_an_sla_breach_is_flagged_once_and_cleared_when_worked(make_state: Callable[[], Any]) -> None:
    services, crm, _ma, _state = _world(make_state, people=1)
    crm.records["00Q000000000000000"]["Status"] = "Marketing Qualified"
    crm.history["00Q000000000000000"][0]["NewValue"] = "Marketing Qualified"

    first = run_sync(services, as_of=AS_OF, dry_run=False)
    assert first.new_breaches == 1 and crm.flags == {"00Q000000000000000": "mql"}
    again = run_sync(services, as_of=AS_OF.replace(hour=16), dry_run=False)
    assert again.new_breaches == 0 and crm.calls["flags"] == 1

    crm.activities["00Q000000000000000"] = [{"CreatedDate": "2026-11-23T16:30:00.000+0000"}]
    crm.records["00Q000000000000000"]["SystemModstamp"] = "2026-11-23T16:30:00.000+0000"
    worked = run_sync(services, as_of=AS_OF.replace(hour=17), dry_run=False)
    assert worked.cleared_flags == 1 and crm.flags == {}


def test_a_second_run_of_the_same_kind_is_refused_while_one_holds_the_lock(make_state: Callable[[], Any]) -> None:
    services, _, _, state = _world(make_state, people=1)
    with state.lock("sync", "another-run", ttl=None), pytest.raises(RunLockedError):  # type: ignore[arg-type]
        run_sync(services, as_of=AS_OF, dry_run=False)


def test_a_dry_run_reports_what_the_guards_would_do_to_the_real_run(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, max_changes=2)

    dry = run_sync(services, as_of=AS_OF, dry_run=True)
    overridden = run_sync(services, as_of=AS_OF, dry_run=True, allow_mass_change=True)

    assert dry.status == "dry_run" and dry.would_block.startswith("blast_radius: ") and "4 of" in dry.would_block
    assert plan_document(dry)["would_block"] == dry.would_block
    assert overridden.would_block == "" and plan_document(overridden)["would_block"] is None
    assert crm.writes == []


def test_the_plan_lists_every_leads_decision_including_those_in_agreement(make_state: Callable[[], Any]) -> None:
    services, crm, ma, _ = _world(make_state, people=2)
    record, history = sf_lead("00Q000000000000009", "Marketing Qualified", "agree@example.com", entered=at(2))
    crm.load([record])
    crm.history[record["Id"]] = history
    ma.load([hs_contact("509", "marketingqualifiedlead", "agree@example.com", score=80, entered=at(2),
                        lastmodifieddate="2026-11-20T12:00:00Z")])

    document = plan_document(run_sync(services, as_of=AS_OF, dry_run=True, keep_decisions=True))

    decisions = {d["record_id"]: d for d in document["decisions"]}
    assert set(decisions) == {"00Q000000000000000", "00Q000000000000001", "00Q000000000000009"}
    agreed = decisions["00Q000000000000009"]
    assert (agreed["stage"], agreed["rule"]) == ("mql", "in_agreement")
    assert agreed["partner"] == {"system": "hubspot", "record_id": "509"}
    assert set(agreed["sources"]) >= {"salesforce", "criteria"}
    assert decisions["00Q000000000000000"]["rule"] == "marketing_evidence"
    assert plan_document(run_sync(services, as_of=AS_OF, dry_run=True))["decisions"] is None  # kept only when asked
