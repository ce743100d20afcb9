"""SLA clocks of resolved leads: start from history, creation or first observation, stop on work, state as of now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mapping.definition.compiled import compile_definition
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import plan_pairs
from mapping.sla import Observed, SlaEvaluator
from mapping.sla_clock import SlaState
from tests.factories import EXAMPLE, at, compiled, hs_contact, sf_lead, sf_stamp

DEFAULT = compiled()
EVALUATOR = SlaEvaluator(DEFAULT)
EVENING = at(23, 15)


def _plan(sf: tuple | None = None, hs: dict | None = None, now: datetime = EVENING, activities=(),
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


def test_work_logged_only_as_a_date_is_a_day_of_the_calendar_time_zone_not_of_utc() -> None:
    # Entry Monday 2026-11-23 22:00 in New York (Tuesday 03:00 UTC); notes logged "2026-11-23" are New York's
    # Monday, the day of entry: work at entry, although the UTC date of the entry is already Tuesday.
    entered = datetime(2026, 11, 24, 3, tzinfo=UTC)
    sf = sf_lead(status="Marketing Qualified", entered=entered)
    hs = hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=entered, notes_last_contacted="2026-11-23")
    (entry,) = _plan(sf, hs, now=at(25, 15)).sla
    assert entry.state is SlaState.MET and entry.worked_at == entered


def test_work_logged_only_as_a_later_date_counts_from_that_days_start_in_the_calendar_time_zone() -> None:
    sf = sf_lead(status="Marketing Qualified", entered=at(23, 20))
    hs = hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=at(23, 20), notes_last_contacted="2026-11-24")
    (entry,) = _plan(sf, hs, now=at(25, 15)).sla
    assert entry.worked_at == datetime(2026, 11, 24, 5, tzinfo=UTC)  # midnight in New York


def test_work_logged_only_as_a_date_on_the_entry_day_counts_at_entry() -> None:
    sf = sf_lead(status="Marketing Qualified", entered=at(20, 14))
    hs = hs_contact(lifecycle="marketingqualifiedlead", score=70, entered=at(20, 15), notes_last_contacted="2026-11-20")
    (entry,) = _plan(sf, hs).sla
    assert entry.state is SlaState.MET and entry.worked_at == at(20, 14)


def test_when_history_does_not_show_the_entry_the_first_observation_is_an_estimated_start() -> None:
    record, _ = sf_lead(status="Marketing Qualified")
    other_value = [{"LeadId": record["Id"], "Field": "Status", "NewValue": "Open - Not Contacted",
                    "CreatedDate": sf_stamp(at(2))}]
    seen = {("salesforce", record["Id"]): Observed("mql", at(23, 14), estimated=True)}
    (entry,) = _plan((record, other_value), first_observed=seen, now=at(23, 15)).sla
    assert entry.started_estimated and entry.started_at == at(23, 14)
    assert entry.state is SlaState.ON_TRACK


def test_when_history_does_not_show_the_entry_and_leadsync_never_saw_it_the_clock_starts_now_estimated() -> None:
    record, _ = sf_lead(status="Marketing Qualified")
    other_value = [{"LeadId": record["Id"], "Field": "Status", "NewValue": "Open - Not Contacted",
                    "CreatedDate": sf_stamp(at(2))}]
    (entry,) = _plan((record, other_value), now=at(23, 15)).sla
    assert entry.started_estimated and entry.started_at == at(23, 15)


def test_a_lead_created_directly_in_an_sla_stage_starts_its_clock_at_creation() -> None:
    # No LeadHistory row: the lead has been an MQL since its CreatedDate (Friday 10:00 UTC), so it shows breached
    # in a plan as of Monday, whenever leadsync first saw it.
    record, _ = sf_lead(status="Marketing Qualified", CreatedDate=sf_stamp(at(20, 10)))
    for seen in (None, {("salesforce", record["Id"]): Observed("mql", at(23, 14), estimated=True)}):
        (entry,) = _plan((record, []), first_observed=seen, now=at(23, 15)).sla
        assert entry.started_at == at(20, 10) and not entry.started_estimated
        assert entry.state is SlaState.BREACHED and entry.breached_at == datetime(2026, 11, 20, 18, tzinfo=UTC)


def test_a_contact_created_directly_in_an_sla_stage_starts_its_clock_at_createdate() -> None:
    contact = hs_contact(lifecycle="marketingqualifiedlead", score=70, createdate="2026-11-20T10:00:00.000Z")
    (entry,) = _plan(hs=contact, now=at(23, 15)).sla
    assert entry.started_at == at(20, 10) and not entry.started_estimated and entry.state is SlaState.BREACHED


def test_the_creation_instant_is_read_even_when_the_definition_does_not_map_it() -> None:
    record, _ = sf_lead(status="Marketing Qualified", CreatedDate=sf_stamp(at(20, 10)))
    unmapped = DEFAULT.systems["salesforce"].mapping.model_copy(
        update={"fields": {k: v for k, v in DEFAULT.systems["salesforce"].mapping.fields.items() if k != "created_at"}})
    definition = compile_definition(DEFAULT.definition.model_copy(
        update={"systems": {**DEFAULT.definition.systems, "salesforce": unmapped}}))
    assert "created_at" not in definition.systems["salesforce"].mapping.fields
    (entry,) = _plan((record, []), now=at(23, 15), definition=definition).sla
    assert entry.started_at == at(20, 10) and not entry.started_estimated


def test_a_lead_leadsync_moved_keeps_the_start_its_sync_reported_when_the_write_shows_in_history() -> None:
    # The sync decided MQL at 15:00:00 and its write landed three seconds later: the next plan reports 15:00:00.
    record, history = sf_lead(status="Marketing Qualified", entered=at(23, 15) + timedelta(seconds=3))
    moved = {("salesforce", record["Id"]): Observed("mql", at(23, 15), estimated=False)}
    (entry,) = _plan((record, history), first_observed=moved, now=at(23, 16)).sla
    assert entry.started_at == at(23, 15) and not entry.started_estimated


def test_a_lead_that_left_the_stage_and_came_back_starts_again_at_its_return() -> None:
    record, _ = sf_lead(status="Marketing Qualified")
    history = [{"LeadId": record["Id"], "Field": "Status", "NewValue": value, "CreatedDate": sf_stamp(when)}
               for value, when in (("Marketing Qualified", at(20, 10)), ("Recycled", at(21, 10)),
                                   ("Marketing Qualified", at(23, 10)))]
    earlier = {("salesforce", record["Id"]): Observed("mql", at(20, 10), estimated=False)}
    (entry,) = _plan((record, history), first_observed=earlier, now=at(23, 11)).sla
    assert entry.started_at == at(23, 10)


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
