"""`explain` tells each resolution rule with its evidence; `definitions impact` replays the state store's
snapshots through two definitions and reports exactly what would change, writing nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.fakes.state import FakeRunState
from connectors.fakes.system import FakeSystem
from connectors.settings import RunSettings
from flows.render.story import render_story
from flows.runs.explain import LeadNotFoundError, explain_lead
from flows.runs.impact import run_impact
from flows.runs.services import Services, SystemPorts
from flows.runs.sync import run_sync
from mapping.definition.compiled import compile_definition
from mapping.definition.parse import parse_definition
from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS
from tests.factories import at, compiled, hs_contact, sf_lead, sources
from tests.unit.mapping.test_resolution_rules import SCENARIOS, Scenario

AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)
ONE_PER_RULE = list({s.rule: s for s in reversed(SCENARIOS) if s.sf is not None or s.hs is not None}.values())


def _ports(system: FakeSystem) -> SystemPorts:
    return SystemPorts(source=system, writer=system, picklist=system, evidence=system, flags=system)


def _services(definition: Any, crm: FakeSystem, ma: FakeSystem, state: Any) -> Services:
    return Services(definition, {"salesforce": _ports(crm), "hubspot": _ports(ma)}, state, RunSettings())


def _load(scenario: Scenario) -> tuple[FakeSystem, FakeSystem]:
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    if scenario.sf is not None:
        record, history = scenario.sf
        crm.load([record])
        crm.history[record["Id"]] = history
    if scenario.hs is not None:
        ma.load([scenario.hs])
    return crm, ma


def test_every_resolution_rule_is_explained() -> None:
    assert {s.rule for s in ONE_PER_RULE} >= {"in_agreement", "converted_is_fact", "sales_decides",
                                              "marketing_evidence", "no_regression", "side_stage_holds",
                                              "side_stage_reentry", "marketing_side_move", "unmapped_value",
                                              "unmet_ma_claim"}


@pytest.mark.parametrize("scenario", ONE_PER_RULE, ids=lambda s: s.rule)
def test_explain_returns_the_rule_and_the_evidence_that_decided(scenario: Scenario) -> None:
    crm, ma = _load(scenario)
    services = _services(scenario.definition, crm, ma, FakeRunState())
    identifier = scenario.sf[0]["Id"] if scenario.sf is not None else str(scenario.hs["id"])  # type: ignore[index]

    story = explain_lead(services, identifier, AS_OF).as_dict()

    assert story["resolved"]["rule"] == scenario.rule
    if scenario.rule != "unmapped_value":  # an unmapped value has no stage: the scenario names it "unmapped"
        assert story["resolved"]["stage"] == scenario.stage
    sources_seen = {e["source"] for e in story["resolved"]["evidence"]}
    assert sources_seen & {"salesforce", "hubspot", "conversion", "criteria", "engagement"}
    assert {r["system"] for r in story["records"]} == {s for s, r in (("salesforce", scenario.sf),
                                                                       ("hubspot", scenario.hs)) if r is not None}
    primary = "salesforce" if scenario.sf is not None else "hubspot"
    flagged = {v["system"] for v in story["violations"]}
    assert (primary in flagged) == scenario.violation
    assert (primary != "hubspot" and "hubspot" in flagged) == scenario.ma_violation
    assert [e["at"] for e in story["timeline"]] == sorted(e["at"] for e in story["timeline"])
    assert crm.writes == [] and ma.writes == []


def test_explain_by_email_finds_both_records_and_our_past_writes() -> None:
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    record, history = sf_lead("00Q000000000000001", "Open - Not Contacted", "grace@example.com", entered=at(2))
    crm.load([record])
    crm.history[record["Id"]] = history
    ma.load([hs_contact("700", "marketingqualifiedlead", "grace@example.com", score=75, entered=at(5))])
    state = FakeRunState()
    services = _services(compiled(), crm, ma, state)
    run_sync(services, as_of=AS_OF, dry_run=False)

    story = explain_lead(services, "Grace@Example.com", datetime.now(UTC)).as_dict()  # our write is dated now

    assert story["resolved"]["stage"] == "mql" and len(story["records"]) == 2
    assert any("leadsync wrote salesforce Status" in e["what"] for e in story["timeline"])
    assert story["sla"]["stage"] == "mql"
    with pytest.raises(LeadNotFoundError):
        explain_lead(services, "nobody@example.com", AS_OF)


def test_explain_finds_every_record_of_a_duplicated_person_and_says_the_sync_leaves_them_alone() -> None:
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    for record_id in ("00Q000000000000001", "00Q000000000000002"):
        record, history = sf_lead(record_id, "Open - Not Contacted", "twin@example.com", entered=at(2))
        crm.load([record])
        crm.history[record_id] = history
    ma.load([hs_contact("700", "marketingqualifiedlead", "twin@example.com", score=75, entered=at(5))])
    services = _services(compiled(), crm, ma, FakeRunState())
    synced = run_sync(services, as_of=AS_OF, dry_run=True)
    assert synced.corrections == [] and [d.email for d in synced.duplicates] == ["twin@example.com"]

    for identifier in ("Twin@Example.com", "00Q000000000000001", "00Q000000000000002", "700"):
        story = explain_lead(services, identifier, AS_OF).as_dict()
        assert {(r["system"], r["record_id"]) for r in story["records"]} == {
            ("salesforce", "00Q000000000000001"), ("salesforce", "00Q000000000000002"), ("hubspot", "700")}, identifier
        assert story["resolved"]["stage"] is None and story["resolved"]["rule"] == "duplicate_left_alone"
        assert story["duplicates"] == [{"email": "twin@example.com", "system": "salesforce", "other_ids": ["700"],
                                        "record_ids": ["00Q000000000000001", "00Q000000000000002"]}]
        assert story["planned_corrections"] == [] and story["sla"] is None
        assert "leave every record of this person alone" in render_story(story)


def test_explain_finds_a_lead_by_an_email_that_is_not_valid() -> None:
    services = _one_person("Open - Not Contacted", "ada@@example.com")

    story = explain_lead(services, "ada@@example.com", AS_OF).as_dict()

    assert [r["record_id"] for r in story["records"]] == ["00Q000000000000001"]


def _stricter(tmp_path: Path, threshold: int) -> Any:
    texts = sources(DEFAULT_DEFINITIONS)
    texts["lifecycle.yaml"] = texts["lifecycle.yaml"].replace("{ field: score, op: gte, value: 50 }",
                                                              f"{{ field: score, op: gte, value: {threshold} }}")
    return compile_definition(parse_definition(texts))


SCORES = [10, 45, 49, 50, 55, 64, 69, 70, 71, 90]


def _population(make_state: Callable[[], Any]) -> tuple[Services, Any, dict[tuple[str, str], float]]:
    """Leads at inquiry in the CRM whose HubSpot twin is a plain lead with a score, plus MQLs with a score."""
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    scores: dict[tuple[str, str], float] = {}
    for n, score in enumerate(SCORES + SCORES):
        status = "Open - Not Contacted" if n < len(SCORES) else "Marketing Qualified"
        record, history = sf_lead(f"00Q{n:015d}", status, f"p{n}@example.com", entered=at(2))
        crm.load([record])
        crm.history[record["Id"]] = history
        lifecycle = "lead" if n < len(SCORES) else "marketingqualifiedlead"
        ma.load([hs_contact(str(900 + n), lifecycle, f"p{n}@example.com", score=score, entered=at(3))])
        scores[("salesforce", record["Id"])] = score
    state = make_state()
    services = _services(compiled(), crm, ma, state)
    run_sync(services, as_of=AS_OF, dry_run=True)  # a dry run keeps the snapshots too
    return services, state, scores


def test_impact_of_a_raised_threshold_is_exactly_the_leads_between_the_thresholds(
        make_state: Callable[[], Any], tmp_path: Path) -> None:
    services, state, scores = _population(make_state)
    calls = dict(services.systems["salesforce"].source.calls)  # type: ignore[attr-defined]

    result = run_impact(state, services.settings, services.compiled, _stricter(tmp_path, 70), as_of=AS_OF)

    between = {key for key, score in scores.items() if 50 <= score < 70}
    impact = result.impact
    assert set(impact.changed) == between
    assert impact.leads == len(scores)
    inquiries = {key for key in between if int(key[1][3:]) < len(SCORES)}
    assert set(impact.stage_changed) == inquiries and impact.matrix[("mql", "inquiry")] == len(inquiries)
    assert set(impact.new_violations) == between - inquiries  # MQLs the stricter bar no longer admits
    assert impact.corrections_old["salesforce"] - impact.corrections_new["salesforce"] == len(inquiries)
    assert impact.values_to_create == {}
    assert dict(services.systems["salesforce"].source.calls) == calls  # type: ignore[attr-defined] - no API call
    assert state.latest_findings("impact")["impact"][0]["leads_changed"]["count"] == len(between)


def test_impact_between_two_vocabularies_is_a_complete_transition_matrix(make_state: Callable[[], Any]) -> None:
    services, state, scores = _population(make_state)
    raw_warm_hot = compile_definition(parse_definition(sources(EXAMPLE_DEFINITIONS / "raw-warm-hot")))

    impact = run_impact(state, services.settings, services.compiled, raw_warm_hot, as_of=AS_OF).impact

    assert sum(impact.matrix.values()) == impact.leads == len(scores)
    assert {old for old, _ in impact.matrix} <= {"inquiry", "mql"}
    assert {new for _, new in impact.matrix} <= {s.key for s in raw_warm_hot.definition.stages} | {"(none)"}
    assert impact.values_to_create  # raw/warm/hot writes values the default definition never had


def test_an_impact_file_copy_of_the_current_definition_changes_nothing(make_state: Callable[[], Any],
                                                                        tmp_path: Path) -> None:
    services, state, _ = _population(make_state)
    shutil.copytree(DEFAULT_DEFINITIONS, tmp_path / "same", ignore=shutil.ignore_patterns("examples"))
    same = compile_definition(parse_definition(sources(tmp_path / "same")))
    impact = run_impact(state, services.settings, services.compiled, same, as_of=AS_OF).impact
    assert impact.changed == [] and sum(n for (a, b), n in impact.matrix.items() if a != b) == 0


def test_impact_right_after_a_sync_starts_from_what_the_sync_wrote(make_state: Callable[[], Any], tmp_path: Path) -> None:
    services, state, scores = _population(make_state)
    applied = run_sync(services, as_of=AS_OF, dry_run=False, allow_mass_change=True)
    assert applied.status == "succeeded" and applied.counts()["applied"] > 0

    impact = run_impact(state, services.settings, services.compiled, _stricter(tmp_path, 50), as_of=AS_OF).impact

    assert sum(impact.corrections_old.values()) == 0  # before the fix: every correction the sync had just applied
    assert impact.changed == [] and impact.leads == len(scores)


def _one_person(status: str, email: str, lifecycle: str | None = None, score: int | None = None,
                entered: datetime | None = None) -> Services:
    """Lead 00Q000000000000001 at `status` (entered on the 2nd) and, with a `lifecycle`, its HubSpot contact 700."""
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    record, history = sf_lead("00Q000000000000001", status, email, entered=at(2))
    crm.load([record])
    crm.history[record["Id"]] = history
    if lifecycle is not None:
        ma.load([hs_contact("700", lifecycle, email, score=score, entered=entered)])
    return _services(compiled(), crm, ma, FakeRunState())


def test_explain_says_why_a_violating_lead_stays_without_borrowing_a_lower_stages_criteria() -> None:
    services = _one_person("Marketing Qualified", "low@example.com", "lead", score=10, entered=at(1))

    reason = explain_lead(services, "00Q000000000000001", AS_OF).as_dict()["resolved"]["reason"]

    assert reason.startswith("Stays at Marketing Qualified Lead: leadsync never moves a lead down the ladder")
    assert "the entry criteria support only Inquiry" in reason
    assert "it fails Marketing Qualified Lead (lead score ≥ 50" in reason and "not demoted" in reason
    assert not reason.startswith("Stays at Marketing Qualified Lead: email address is valid")


def test_explain_keeps_the_evidence_that_justified_leadsyncs_own_move() -> None:
    services = _one_person("Open - Not Contacted", "ok@example.com", "marketingqualifiedlead", score=72, entered=at(5))
    run_sync(services, as_of=AS_OF, dry_run=False)

    reason = explain_lead(services, "00Q000000000000001", datetime.now(UTC)).as_dict()["resolved"]["reason"]

    assert reason.startswith("Stays at Marketing Qualified Lead: leadsync moved it here on ")
    assert "because HubSpot says Marketing Qualified Lead since 2026-11-05" in reason and "lead score ≥ 50 (72)" in reason
