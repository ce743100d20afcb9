"""Table-driven scenarios: each names the rule it exercises, across both systems and both shipped definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from mapping.definition.compiled import CompiledDefinition
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import LeadDecision, decide, default_forward_only
from tests.factories import EXAMPLE, at, compiled, hs_contact, sf_lead

DEFAULT = compiled()
TWO_WAY = compiled(two_way=True)
RWH = compiled(EXAMPLE)


@dataclass(frozen=True)
class Scenario:
    name: str
    sf: tuple[dict[str, Any], list[dict[str, Any]]] | None
    hs: dict[str, Any] | None
    stage: str | None
    rule: str
    crm_writes: dict[str, str | None] = field(default_factory=dict)
    hs_writes: tuple[tuple[str, str | None, int], ...] = ()
    skips: frozenset[str] = frozenset()
    violation: bool = False  # on the lead's primary record (the CRM's, else the MA's)
    ma_violation: bool = False  # on the MA record, for a higher stage it claims that the lead does not meet
    definition: CompiledDefinition = DEFAULT


S = Scenario
SCENARIOS = [
    # --- rule 2: marketing-owned stages follow the evidence --------------------------------------------
    S("ma says mql and the crm lags: correct the crm", sf_lead(status="Open - Not Contacted", entered=at(2)),
      hs_contact(lifecycle="marketingqualifiedlead", score=72, entered=at(5)), "mql", "marketing_evidence",
      {"Status": "Marketing Qualified"}),
    S("ma says mql with a low score: not propagated, a violation on the ma record",
      sf_lead(status="Open - Not Contacted"), hs_contact(lifecycle="marketingqualifiedlead", score=10), "inquiry",
      "unmet_ma_claim", ma_violation=True),
    S("ma says mql with an invalid email: not propagated", sf_lead(status="Open - Not Contacted", email="nobody"),
      hs_contact(lifecycle="marketingqualifiedlead", score=90, email="nobody", sf_id="00Q000000000001AAA"), "inquiry",
      "unmet_ma_claim", violation=True, ma_violation=True),
    S("criteria alone lift the crm: score 80 is an mql", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="lead", score=80), "mql", "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("a score at the threshold qualifies", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="lead", score=50), "mql", "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("a score below the threshold does not", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="lead", score=49.5), "inquiry", "in_agreement"),
    S("ma says sql and the crm is at inquiry: lifted only to the highest marketing stage",
      sf_lead(status="Open - Not Contacted"), hs_contact(lifecycle="salesqualifiedlead", score=70), "mql",
      "marketing_evidence", {"Status": "Marketing Qualified"}, ma_violation=True),
    S("ma says sql for a lead that is not even an mql: nothing propagated",
      sf_lead(status="Open - Not Contacted"), hs_contact(lifecycle="salesqualifiedlead"), "inquiry",
      "unmet_ma_claim", ma_violation=True),
    S("ma says opportunity: still capped at mql", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="opportunity", score=90), "mql", "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("ma lead status in progress (sales) over mql lifecycle: capped at mql", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="marketingqualifiedlead", lead_status="IN_PROGRESS", score=60), "mql",
      "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("a crm record with no stage takes the evidence", sf_lead(status=None),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "mql", "marketing_evidence",
      {"Status": "Marketing Qualified"}),
    S("crm and ma agree: nothing to do", sf_lead(status="Marketing Qualified"),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "mql", "in_agreement"),
    S("crm-only inquiry with a valid email stays", sf_lead(status="Open - Not Contacted"), None, "inquiry",
      "in_agreement"),
    S("emails match across case and whitespace", sf_lead(status="Open - Not Contacted", email=" Ada@Example.COM "),
      hs_contact(lifecycle="marketingqualifiedlead", score=70, email="ada@example.com"), "mql",
      "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("an explicit salesforceleadid link beats a different email", sf_lead(status="Open - Not Contacted",
      email="ada@work.example"), hs_contact(lifecycle="marketingqualifiedlead", score=70, email="ada@home.example",
      sf_id="00Q000000000001AAA"), "mql", "marketing_evidence", {"Status": "Marketing Qualified"}),
    # --- rule 1: sales decides sales-owned stages -------------------------------------------------------
    S("crm has a sales stage and the ma lags: no crm change", sf_lead(status="Sales Accepted"),
      hs_contact(lifecycle="lead", score=5), "sal", "sales_decides"),
    S("working - contacted is sales accepted; ma mql lags", sf_lead(status="Working - Contacted"),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "sal", "sales_decides"),
    S("crm sql with bant holds and meets its definition", sf_lead(status="Sales Qualified", bant=True),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "sql", "sales_decides"),
    S("crm sql without bant: a violation, not a demotion", sf_lead(status="Sales Qualified"),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "sql", "sales_decides", violation=True),
    S("ma says sql while the crm is at mql: never promoted into a sales stage", sf_lead(status="Marketing Qualified"),
      hs_contact(lifecycle="salesqualifiedlead", score=70), "mql", "in_agreement", ma_violation=True),
    S("an ma disqualification (sales-owned) is not the ma's to make", sf_lead(status="Open - Not Contacted",
      entered=at(2)), hs_contact(lifecycle="lead", lead_status="UNQUALIFIED", status_changed=at(9)), "inquiry",
      "in_agreement"),
    # --- rule 3: no silent regression -------------------------------------------------------------------
    S("score dropped: no regression, violation reported", sf_lead(status="Marketing Qualified"),
      hs_contact(lifecycle="lead", score=10), "mql", "no_regression", violation=True),
    S("ma lags at inquiry: no regression", sf_lead(status="Marketing Qualified"),
      hs_contact(lifecycle="subscriber", score=55), "mql", "in_agreement"),
    # --- rule 4: side stages ------------------------------------------------------------------------------
    S("disqualified in the crm after the last ma engagement: stays", sf_lead(status="Closed - Not Converted",
      entered=at(10)), hs_contact(lifecycle="marketingqualifiedlead", score=80, entered=at(1), engagement=at(2)),
      "disqualified", "side_stage_holds"),
    S("disqualified before new engagement: re-enters the ladder", sf_lead(status="Closed - Not Converted",
      entered=at(2)), hs_contact(lifecycle="marketingqualifiedlead", score=80, entered=at(1), engagement=at(10)),
      "mql", "side_stage_reentry", {"Status": "Marketing Qualified"}),
    S("recycled re-enters at its re-entry stage even on a low score", sf_lead(status="Recycled", entered=at(2)),
      hs_contact(lifecycle="lead", score=10, engagement=at(10)), "mql", "side_stage_reentry",
      {"Status": "Marketing Qualified"}, violation=True),
    S("an ma stage entered after the recycle counts as new evidence", sf_lead(status="Recycled", entered=at(2)),
      hs_contact(lifecycle="marketingqualifiedlead", score=60, entered=at(8)), "mql", "side_stage_reentry",
      {"Status": "Marketing Qualified"}),
    S("a side stage with no dated history holds", sf_lead(status="Recycled"),
      hs_contact(lifecycle="marketingqualifiedlead", score=90, engagement=at(10)), "recycled", "side_stage_holds"),
    S("ma recycles after the crm's last change: the crm follows", sf_lead(status="Marketing Qualified",
      entered=at(2)), hs_contact(lifecycle="marketingqualifiedlead", lead_status="BAD_TIMING", status_changed=at(6),
      score=70), "recycled", "marketing_side_move", {"Status": "Recycled"}),
    S("an ma recycle older than the crm's change is stale", sf_lead(status="Marketing Qualified", entered=at(8)),
      hs_contact(lifecycle="marketingqualifiedlead", lead_status="BAD_TIMING", status_changed=at(3), score=70),
      "mql", "in_agreement"),
    # --- rule 5: converted leads are facts ------------------------------------------------------------------
    S("converted lead: at least opportunity and never written", sf_lead(status="Closed - Converted",
      converted=True), hs_contact(lifecycle="marketingqualifiedlead", score=70), "opportunity", "converted_is_fact"),
    S("converted lead with an odd status is still never written", sf_lead(status="Marketing Qualified",
      converted=True), hs_contact(lifecycle="lead"), "opportunity", "converted_is_fact", skips=frozenset({"converted"})),
    S("converted as bulk csv strings", sf_lead(status="Marketing Qualified", converted="true"),  # type: ignore[arg-type]
      None, "opportunity", "converted_is_fact", skips=frozenset({"converted"})),
    # --- unmapped, locked, garbage ---------------------------------------------------------------------------
    S("unmapped crm status: reported and untouched", sf_lead(status="Nurture - Custom"),
      hs_contact(lifecycle="marketingqualifiedlead", score=90), "unmapped", "unmapped_value"),
    S("unmapped ma value with a mapped crm: crm decides on its own evidence", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="marketingqualifiedlead", lead_status="SOMETHING_NEW", score=90), "mql",
      "marketing_evidence", {"Status": "Marketing Qualified"}),
    S("locked lead: planned but skipped", sf_lead(status="Open - Not Contacted", locked=True),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "mql", "marketing_evidence",
      skips=frozenset({"locked"})),
    S("invalid email everywhere: inquiry is a violation", sf_lead(status="Open - Not Contacted", email="not-an-email"),
      None, "inquiry", "in_agreement", violation=True),
    S("garbage score is ignored, not fatal", sf_lead(status="Open - Not Contacted"),
      hs_contact(lifecycle="lead", score="7x"), "inquiry", "in_agreement"),
    S("missing crm email, valid ma email linked explicitly", sf_lead(status="Open - Not Contacted", email=None),
      hs_contact(lifecycle="lead", score=75, sf_id="00Q000000000001AAA"), "mql", "marketing_evidence",
      {"Status": "Marketing Qualified"}),
    # --- HubSpot two-way -------------------------------------------------------------------------------------
    S("two-way: crm sal, ma mql: hubspot gets the lead status only", sf_lead(status="Sales Accepted"),
      hs_contact(lifecycle="marketingqualifiedlead", score=70), "sal", "sales_decides",
      hs_writes=(("hs_lead_status", "IN_PROGRESS", 0),), definition=TWO_WAY),
    S("two-way: crm recycled: hubspot lead status set", sf_lead(status="Recycled", entered=at(9)),
      hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=at(1)), "recycled", "side_stage_holds",
      hs_writes=(("hs_lead_status", "BAD_TIMING", 0),), definition=TWO_WAY),
    S("two-way: hubspot ahead on the ladder is not pulled back", sf_lead(status="Marketing Qualified"),
      hs_contact(lifecycle="opportunity", score=70), "mql", "in_agreement", skips=frozenset({"no_regression"}),
      definition=TWO_WAY),
    S("two-way: an outvoting side value is cleared", sf_lead(status="Marketing Qualified", entered=at(8)),
      hs_contact(lifecycle="marketingqualifiedlead", lead_status="BAD_TIMING", status_changed=at(3), score=70),
      "mql", "in_agreement", hs_writes=(("hs_lead_status", None, 0),), definition=TWO_WAY),
    S("two-way: hubspot-only contact is corrected by criteria", None,
      hs_contact(lifecycle="lead", score=80), "mql", "marketing_evidence",
      hs_writes=(("lifecyclestage", "marketingqualifiedlead", 0),), definition=TWO_WAY),
    S("one-way: hubspot-only contact is never written", None, hs_contact(lifecycle="lead", score=80), "mql",
      "marketing_evidence"),
    # --- the raw/warm/hot definition ---------------------------------------------------------------------------
    S("rwh: score 30 makes a raw lead warm", sf_lead(status="New"), hs_contact(lifecycle="lead", score=30),
      "warm", "marketing_evidence", {"Status": "Nurturing"}, hs_writes=(("lifecyclestage", "marketingqualifiedlead", 0),),
      definition=RWH),
    S("rwh: engagement alone makes a raw lead warm", sf_lead(status="New"),
      hs_contact(lifecycle="lead", engagement=at(5)), "warm", "marketing_evidence", {"Status": "Nurturing"},
      hs_writes=(("lifecyclestage", "marketingqualifiedlead", 0),), definition=RWH),
    S("rwh: hot (sales) in hubspot lifts the crm to warm when the lead is warm", sf_lead(status="New"),
      hs_contact(lifecycle="salesqualifiedlead", score=30), "warm", "marketing_evidence", {"Status": "Nurturing"},
      skips=frozenset({"no_regression"}), definition=RWH),
    S("rwh: hot (sales) in hubspot for a lead that is not even warm: nothing propagated", sf_lead(status="New"),
      hs_contact(lifecycle="salesqualifiedlead"), "raw", "unmet_ma_claim", skips=frozenset({"no_regression"}),
      ma_violation=True, definition=RWH),
    S("rwh: parked lead re-engaging moves hubspot backwards as clear then set", sf_lead(status="Parked",
      entered=at(2)), hs_contact(lifecycle="other", entered=at(2), engagement=at(10)), "warm", "side_stage_reentry",
      {"Status": "Nurturing"}, hs_writes=(("lifecyclestage", None, 1), ("lifecyclestage", "marketingqualifiedlead", 2)),
      definition=RWH),
    S("rwh: parked in the crm parks hubspot (a forward lifecycle move)", sf_lead(status="Parked", entered=at(9)),
      hs_contact(lifecycle="marketingqualifiedlead", score=40, entered=at(1)), "parked", "side_stage_holds",
      hs_writes=(("lifecyclestage", "other", 0),), definition=RWH),
    S("rwh: converted lead is hot", sf_lead(status="Closed - Converted", converted=True), None, "hot",
      "converted_is_fact", definition=RWH),
]


def _decide(scenario: Scenario) -> LeadDecision:
    definition = scenario.definition
    crm = [normalize_salesforce(scenario.sf[0], definition, history=scenario.sf[1])] if scenario.sf else []
    ma = [normalize_hubspot(scenario.hs, definition)] if scenario.hs else []
    match = match_identities(crm, ma)
    assert len(match.pairs) == 1, match
    return decide(match.pairs[0], definition, default_forward_only(definition))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_resolution_rule(scenario: Scenario) -> None:
    decision = _decide(scenario)
    resolution = decision.resolution

    assert resolution.rule.value == scenario.rule
    if scenario.rule != "unmapped_value":
        assert resolution.stage == scenario.stage
    crm_writes = {c.field: c.after for c in decision.corrections if c.system == "salesforce"}
    hs_writes = tuple((c.field, c.after, c.step) for c in decision.corrections if c.system == "hubspot")
    assert crm_writes == scenario.crm_writes
    assert hs_writes == scenario.hs_writes
    assert {s.reason.value for s in decision.skipped} == scenario.skips
    primary = decision.pair.crm or decision.pair.ma
    on = {v.system for v in decision.violations}
    assert (primary is not None and primary.system in on) == scenario.violation
    assert (decision.pair.ma is not primary and "hubspot" in on) == scenario.ma_violation


def test_there_are_at_least_forty_named_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


def test_every_correction_carries_before_after_rule_reason_and_version() -> None:
    decision = _decide(SCENARIOS[0])
    (correction,) = decision.corrections

    assert (correction.before, correction.after) == ("Open - Not Contacted", "Marketing Qualified")
    assert (correction.stage_before, correction.stage_after) == ("inquiry", "mql")
    assert correction.rule == "marketing_evidence"
    assert correction.definition_version == DEFAULT.version
    assert correction.reason.startswith("Moved to Marketing Qualified Lead: HubSpot says Marketing Qualified Lead since")
    assert "lead score ≥ 50 (72)" in correction.reason and f"(definition v{DEFAULT.version})" in correction.reason


def test_resolution_evidence_names_each_system_and_the_criteria() -> None:
    evidence = _decide(SCENARIOS[0]).resolution.evidence

    assert {e.source for e in evidence} == {"salesforce", "hubspot", "criteria"}
    hubspot = next(e for e in evidence if e.source == "hubspot")
    assert hubspot.stage == "mql" and hubspot.at == at(5)


def test_violation_names_the_failing_conditions() -> None:
    decision = _decide(next(s for s in SCENARIOS if s.name.startswith("crm sql without bant")))

    (violation,) = decision.violations
    assert violation.failing == (
        "budget (BANT) is filled in", "authority (BANT) is filled in", "need (BANT) is filled in",
        "timeline (BANT) is filled in",
    )
