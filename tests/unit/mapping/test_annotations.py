"""Annotation fields ride on the final write step of each corrected record: the reason and the SLA due instant."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mapping.definition.compiled import compile_definition
from mapping.definition.parse import parse_definition
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import REASON_LIMIT, LeadDecision, Plan, annotate, instant_text, plan_pairs
from mapping.sla import SlaEvaluator
from tests.factories import DEFAULT as DEFAULT_DIR
from tests.factories import at, compiled, hs_contact, sf_lead, sources

DEFAULT = compiled()
TWO_WAY = compiled(two_way=True)
NOW = at(23, 15)


def _plan(sf: tuple, hs: dict | None, definition=DEFAULT, with_sla: bool = True) -> Plan:  # type: ignore[no-untyped-def]
    crm = [normalize_salesforce(sf[0], definition, history=sf[1])]
    ma = [normalize_hubspot(hs, definition)] if hs else []
    evaluator = SlaEvaluator(definition) if with_sla else None
    return plan_pairs(match_identities(crm, ma).pairs, definition, NOW, sla=evaluator)


def _mql_from_hubspot() -> tuple[tuple, dict]:
    return (sf_lead(status="Open - Not Contacted"),
            hs_contact(lifecycle="marketingqualifiedlead", score=72, entered=at(20, 10)))


def test_a_correction_carries_its_reason_and_the_sla_due_of_the_new_stage() -> None:
    plan = _plan(*_mql_from_hubspot())

    (correction,) = plan.corrections
    extras = dict(correction.extras)
    assert set(extras) == {"Stage_Reason__c", "SLA_Due__c"}
    assert extras["Stage_Reason__c"] == correction.reason
    assert "Marketing Qualified" in correction.reason and "definition v" in correction.reason
    (entry,) = plan.sla
    assert entry.due_at == datetime(2026, 11, 20, 18, tzinfo=UTC)
    assert extras["SLA_Due__c"] == "2026-11-20T18:00:00.000+0000"  # Salesforce's REST datetime form


def test_a_stage_without_an_sla_clears_the_due_field() -> None:
    plan = _plan(sf_lead(status=None), hs_contact(lifecycle="lead"))

    (correction,) = plan.corrections
    assert correction.stage_after == "inquiry" and not plan.sla
    assert dict(correction.extras)["SLA_Due__c"] is None


def test_without_an_sla_evaluator_only_the_reason_is_written() -> None:
    (correction,) = _plan(*_mql_from_hubspot(), with_sla=False).corrections
    assert [name for name, _ in correction.extras] == ["Stage_Reason__c"]


def test_hubspot_corrections_use_hubspot_property_names_and_iso_z_instants() -> None:
    plan = _plan(sf_lead(status="Sales Accepted"), hs_contact(lifecycle="lead"), TWO_WAY)

    hubspot = [c for c in plan.corrections if c.system == "hubspot"]
    assert len(hubspot) == 2  # lifecyclestage and hs_lead_status, one record payload: both carry the same extras
    for correction in hubspot:
        extras = dict(correction.extras)
        assert extras["leadsync_stage_reason"] == correction.reason
        assert str(extras["leadsync_sla_due"]).endswith(".000Z")


def test_a_clear_then_set_carries_the_extras_on_the_set_only() -> None:
    plan = _plan(sf_lead(status="Sales Accepted"), hs_contact(lifecycle="lead"), TWO_WAY)
    base = next(c for c in plan.corrections if c.field == "lifecyclestage")
    bare = replace(base, extras=())
    decision_corrections = (replace(bare, after=None, step=1), replace(bare, step=2))
    decision = LeadDecision(None, None, decision_corrections, (), None)  # type: ignore[arg-type]
    clear, set_value = annotate(decision, TWO_WAY, plan.sla[0]).corrections

    assert clear.step == 1 and clear.extras == ()
    assert set_value.step == 2 and dict(set_value.extras)["leadsync_sla_due"] == instant_text("hubspot", plan.sla[0].due_at)


def test_without_annotations_corrections_carry_no_extras() -> None:
    texts = sources(DEFAULT_DIR)
    texts["salesforce.yaml"] = texts["salesforce.yaml"].split("\nannotations:")[0]
    bare = compile_definition(parse_definition(texts))

    (correction,) = _plan(*_mql_from_hubspot(), definition=bare).corrections
    assert correction.extras == ()


def test_the_reason_fits_a_salesforce_text_field() -> None:
    (correction,) = _plan(*_mql_from_hubspot()).corrections
    assert len(dict(correction.extras)["Stage_Reason__c"] or "") <= REASON_LIMIT


def test_instants_are_rendered_in_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 20, 13, 0, 0, 250_000, tzinfo=ZoneInfo("America/New_York"))
    assert instant_text("salesforce", moment) == "2026-11-20T18:00:00.250+0000"
    assert instant_text("hubspot", moment) == "2026-11-20T18:00:00.250Z"
