"""Properties of the engine over generated leads: plans are idempotent and never move a lead down the ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.definition.compiled import CompiledDefinition
from mapping.match import LeadPair, match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import decide, default_forward_only, plan_pairs
from mapping.resolve import Rule
from mapping.simulate import apply_to_pairs
from tests.factories import EXAMPLE, compiled, hs_contact, sf_lead

DEFINITIONS = [compiled(two_way=True), compiled(), compiled(EXAMPLE)]
AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)
instants = st.none() | st.integers(0, 20 * 24).map(lambda h: datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=h))
scores = st.none() | st.integers(0, 100) | st.sampled_from(["7x", "", "NaN", "1e3"])


def _values(definition: CompiledDefinition, system: str, index: int) -> list[str | None]:
    fields = definition.systems[system].mapping.stage_fields
    return [None, "Not A Value"] + (list(fields[index].read) if index < len(fields) else [])


@st.composite
def lead_pairs(draw: st.DrawFn, definition: CompiledDefinition) -> list[LeadPair]:
    crm, ma = [], []
    for number in range(draw(st.integers(1, 6))):
        email = draw(st.sampled_from([f"p{number}@example.com", "shared@example.com", "bad-email", None]))
        presence = draw(st.sampled_from(["both", "crm", "ma"]))
        if presence in ("both", "crm"):
            record, history = sf_lead(
                f"00Q{number:015d}", draw(st.sampled_from(_values(definition, "salesforce", 0))), email,
                entered=draw(instants), converted=draw(st.booleans()), locked=draw(st.booleans()), bant=draw(st.booleans()),
            )
            crm.append(normalize_salesforce(record, definition, history=history))
        if presence in ("both", "ma"):
            contact = hs_contact(
                str(500 + number), draw(st.sampled_from(_values(definition, "hubspot", 0))), email,
                lead_status=draw(st.sampled_from(_values(definition, "hubspot", 1))), score=draw(scores),
                entered=draw(instants), status_changed=draw(instants), engagement=draw(instants),
            )
            ma.append(normalize_hubspot(contact, definition))
    return match_identities(crm, ma).pairs


def _check(definition: CompiledDefinition, pairs: list[LeadPair]) -> None:
    plan = plan_pairs(pairs, definition, AS_OF)
    for correction in plan.corrections:
        before, after = correction.stage_before, correction.stage_after
        if before is not None and before not in definition.side and after not in definition.side:
            assert definition.rank(after) >= definition.rank(before), correction
    applied = apply_to_pairs(pairs, plan.corrections, definition, AS_OF)
    again = plan_pairs(applied, definition, AS_OF + timedelta(minutes=1))
    assert again.corrections == [], again.corrections


relaxed = settings(suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(st.data())
def test_default_two_way_plans_are_idempotent_and_never_regress(data: Any) -> None:
    _check(DEFINITIONS[0], data.draw(lead_pairs(DEFINITIONS[0])))


@relaxed
@given(st.data())
def test_default_one_way_plans_are_idempotent_and_never_regress(data: Any) -> None:
    _check(DEFINITIONS[1], data.draw(lead_pairs(DEFINITIONS[1])))


@relaxed
@given(st.data())
def test_raw_warm_hot_plans_are_idempotent_and_never_regress(data: Any) -> None:
    _check(DEFINITIONS[2], data.draw(lead_pairs(DEFINITIONS[2])))


def _lifts_only_into_stages_the_lead_meets(definition: CompiledDefinition, pairs: list[LeadPair]) -> None:
    """Rule 2: marketing evidence never lifts a record into a stage whose entry criteria the lead fails."""
    for pair in pairs:
        decision = decide(pair, definition, default_forward_only(definition))
        resolution = decision.resolution
        if resolution.rule is Rule.MARKETING_EVIDENCE and resolution.stage is not None:
            assert definition.criteria[resolution.stage](resolution.fields), (resolution, pair)
            assert not any(v.stage == resolution.stage for v in decision.violations), decision.violations


@relaxed
@given(st.data())
def test_marketing_evidence_lifts_only_into_stages_the_lead_meets(data: Any) -> None:
    for definition in DEFINITIONS:
        _lifts_only_into_stages_the_lead_meets(definition, data.draw(lead_pairs(definition)))
