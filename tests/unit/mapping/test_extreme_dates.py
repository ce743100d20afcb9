"""Any date a CRM can send, through normalize, plan and the SLA clock: usable ones are used, the others quarantined
as UNPARSEABLE_DATETIME on their record and field; nothing raises (0001-01-01 once stopped a whole run)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mapping.business_time import CLOCK_LATEST, EARLIEST, LATEST, clock_range
from mapping.match import match_identities
from mapping.normalize import HUBSPOT_ENTERED_PREFIX, normalize_hubspot, normalize_salesforce
from mapping.plan import plan_pairs
from mapping.records import CanonicalLead, ProblemKind
from mapping.sla import SlaEvaluator
from tests.factories import compiled, hs_contact, sf_lead

DEFAULT = compiled()
EVALUATOR = SlaEvaluator(DEFAULT)
EPOCH = datetime(1970, 1, 1)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _wire(moment: datetime, form: str) -> str:
    """`moment` (naive, any year 1-9999) written as the APIs and people write dates."""
    text = moment.isoformat(timespec="milliseconds")
    epoch_ms = (moment - EPOCH) // timedelta(milliseconds=1)
    return {"z": f"{text}Z", "sf": f"{text}+0000", "east": f"{text}+14:00", "west": f"{text}-12:00",
            "day": moment.date().isoformat(), "ms": str(epoch_ms) if epoch_ms >= 0 else text}[form]


# The whole of datetime's range, written every way the APIs write it.
stamps = st.builds(_wire, st.datetimes(), st.sampled_from(["z", "sf", "east", "west", "day", "ms"]))
maybe_stamps = st.none() | stamps
as_of = st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=CLOCK_LATEST.replace(tzinfo=None)
                     - timedelta(microseconds=1), timezones=st.just(UTC))
SF_VALUES = ("Open - Not Contacted", "Marketing Qualified", "Sales Accepted", "Working - Contacted", "Recycled")
HS_VALUES = ("lead", "marketingqualifiedlead", "salesqualifiedlead")
HS_DATES = ("createdate", "notes_last_contacted", "hs_sa_first_engagement_date", "hs_last_sales_activity_timestamp")


@st.composite
def salesforce_leads(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    record, _ = sf_lead(status=draw(st.sampled_from(SF_VALUES)), CreatedDate=draw(maybe_stamps),
                        ConvertedDate=draw(maybe_stamps))
    history = [{"LeadId": record["Id"], "Field": "Status", "NewValue": draw(st.sampled_from(SF_VALUES)),
                "CreatedDate": draw(stamps)} for _ in range(draw(st.integers(0, 3)))]
    activities = [{"WhoId": record["Id"], "CreatedDate": draw(stamps)} for _ in range(draw(st.integers(0, 2)))]
    return record, history, activities


@st.composite
def hubspot_contacts(draw: st.DrawFn) -> dict[str, Any]:
    lifecycle = draw(st.sampled_from(HS_VALUES))
    dates = {name: draw(maybe_stamps) for name in HS_DATES}
    entered = {f"{HUBSPOT_ENTERED_PREFIX}{value}": draw(maybe_stamps) for value in HS_VALUES}
    contact = hs_contact(lifecycle=lifecycle, score=draw(st.sampled_from([None, 30, 70])), **dates, **entered)
    if draw(st.booleans()):
        contact["propertiesWithHistory"] = {"hs_lead_status": [{"value": "IN_PROGRESS", "timestamp": draw(stamps)}]}
    return contact


def _instants(lead: CanonicalLead) -> list[datetime]:
    found = [value for value in lead.fields.values() if isinstance(value, datetime)]
    found += [event.at for event in lead.history] + list(lead.work)
    return found + [at for at in (lead.stage_entered_at, lead.created_at) if at is not None]


def _reported(lead: CanonicalLead) -> set[str]:
    return {p.field for p in lead.problems if p.kind is ProblemKind.UNPARSEABLE_DATETIME}


def _usable(text: str | None) -> bool:
    """The oracle: an instant an SLA clock can use (naive values are UTC, as both APIs send UTC)."""
    if text is None:
        return True
    if text.isdigit() and 12 <= len(text) <= 14:  # epoch milliseconds, as HubSpot sends them
        return clock_range(EPOCH.replace(tzinfo=UTC) + timedelta(milliseconds=int(text)))
    try:
        parsed = datetime.fromisoformat(text)
        return clock_range((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC))
    except (ValueError, OverflowError):
        return False


@PROPERTY
@example(({"Id": "00Q000000000001AAA", "Status": "Marketing Qualified", "Email": "ada@example.com",
           "CreatedDate": "0001-01-01T00:00:00.000+0000"}, [], []),
         hs_contact(lifecycle="marketingqualifiedlead", hs_v2_date_entered_marketingqualifiedlead="0001-01-01"),
         datetime(2026, 11, 23, 15, tzinfo=UTC))
@given(salesforce_leads(), hubspot_contacts(), as_of)
def test_any_dates_normalize_plan_and_clock_without_raising(sf: Any, contact: dict[str, Any], now: datetime) -> None:
    record, history, activities = sf
    crm = normalize_salesforce(record, DEFAULT, history=history, activities=activities)
    ma = normalize_hubspot(contact, DEFAULT)

    for lead in (crm, ma):
        assert all(clock_range(instant) for instant in _instants(lead))
    # A date that cannot be used is reported on its record's field, never dropped silently (nor kept).
    for raw_name in ("CreatedDate", "ConvertedDate"):
        assert (raw_name in _reported(crm)) == (not _usable(record.get(raw_name))), raw_name
    for rows, name in ((history, "LeadHistory.CreatedDate"), (activities, "Task/Event.CreatedDate")):
        assert (name in _reported(crm)) == any(not _usable(row["CreatedDate"]) for row in rows), name
    properties = contact["properties"]
    for name in (*HS_DATES, *(f"{HUBSPOT_ENTERED_PREFIX}{value}" for value in HS_VALUES)):
        assert (name in _reported(ma)) == (not _usable(properties.get(name))), name

    plan = plan_pairs(match_identities([crm], [ma]).pairs, DEFAULT, now, sla=EVALUATOR)
    for entry in plan.sla:
        assert EARLIEST <= entry.started_at and entry.due_at < LATEST
