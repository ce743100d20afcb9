"""SLA clocks of resolved leads: start from history or first observation, stop on work, state as of now."""

from __future__ import annotations

from datetime import UTC, datetime

from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import plan_pairs
from mapping.sla import SlaEvaluator
from mapping.sla_clock import SlaState
from tests.factories import EXAMPLE, at, compiled, hs_contact, sf_lead

DEFAULT = compiled()
EVALUATOR = SlaEvaluator(DEFAULT)


def _plan(sf: tuple | None = None, hs: dict | None = None, now: datetime = at(23, 15), activities=(),
          first_observed=None, definition=DEFAULT):
    crm = [normalize_salesforce(sf[0], definition, history=sf[1], activities=activities)] if sf else []
    ma = [normalize_hubspot(hs, definition)] if hs else []
    pairs = match_identities(crm, ma).pairs
    return plan_pairs(pairs, definition, now, sla=SlaEvaluator(definition), first_observed=first_observed)


def test_unworked_mql_breaches_at_the_exact_business_instant() -> None:
    # Friday 2026-11-20 10:00 UTC is 05:00 in New York: the clock starts at 09:00 and 4 business hours end at 13:00.
    (entry,) = _plan(sf_lead(status="Marketing Qualified", entered=at(20, 10))).sla

    assert entry.state is SlaState.BREACHED
    assert entry.started_at == at(20, 10) and not entry.started_estimated
    assert entry.due_at == datetime(2026, 11, 20, 18, tzinfo=UTC)
    assert entry.breached_at == entry.due_at
    assert entry.owner_id == "005000000000001AAA"


def test_breach_over_a_weekend_lands_on_monday() -> None:
    # Friday 2026-11-20 at 15:00 New York (20:00 UTC): 2 hours Friday, 2 hours Monday -> Monday 11:00 NY.
    (entry,) = _plan(sf_lead(status="Marketing Qualified", entered=at(20, 20)), now=at(24, 12)).sla
    assert entry.due_at == datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert entry.state is SlaState.BREACHED


def test_activity_after_entry_meets_the_sla() -> None:
    activities = [{"CreatedDate": "2026-11-20T15:00:00.000+0000"}]
    (entry,) = _plan(sf_lead(status="Marketing Qualified", entered=at(20, 10)), activities=activities).sla
    assert entry.state is SlaState.MET and entry.worked_at == datetime(2026, 11, 20, 15, tzinfo=UTC)


def test_work_logged_only_as_a_date_on_the_entry_day_counts_at_entry() -> None:
    sf = sf_lead(status="Marketing Qualified", entered=at(20, 14))
    hs = hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=at(20, 15), notes_last_contacted="2026-11-20")
    (entry,) = _plan(sf, hs).sla
    assert entry.state is SlaState.MET and entry.worked_at == at(20, 14)


def test_without_history_the_first_observation_is_an_estimated_start() -> None:
    sf = sf_lead(status="Marketing Qualified")
    (entry,) = _plan(sf, first_observed={("salesforce", "00Q000000000001AAA"): at(23, 14)}, now=at(23, 15)).sla
    assert entry.started_estimated and entry.started_at == at(23, 14)
    assert entry.state is SlaState.ON_TRACK


def test_a_lead_leadsync_moves_into_an_sla_stage_starts_now() -> None:
    plan = _plan(sf_lead(status="Open - Not Contacted"), hs_contact(lifecycle="marketingqualifiedlead", score=70))
    (entry,) = plan.sla
    assert entry.stage == "mql" and entry.started_at == at(23, 15) and not entry.started_estimated


def test_stages_without_an_sla_have_no_clock() -> None:
    assert _plan(sf_lead(status="Sales Qualified", entered=at(2))).sla == []


def test_the_example_definition_uses_its_own_calendar() -> None:
    # London, Monday 2026-11-23 08:00 UTC = 08:00 GMT; warm has a 2-hour budget from 08:30.
    definition = compiled(EXAMPLE)
    (entry,) = _plan(sf_lead(status="Nurturing", entered=at(23, 8)), now=at(23, 12), definition=definition).sla
    assert entry.due_at == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    assert entry.state is SlaState.BREACHED


def test_the_clock_starts_at_the_earliest_entry_either_system_records() -> None:
    plan = _plan(sf_lead(status="Marketing Qualified", entered=at(20, 18)),
                 hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=at(20, 10)))
    (entry,) = plan.sla
    assert entry.started_at == at(20, 10) and entry.state is SlaState.BREACHED
