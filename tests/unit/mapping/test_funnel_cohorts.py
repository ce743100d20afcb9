"""The funnel over a hand-computed population: people entering, skipping a stage, recycled and re-entering (twice in
one month), converting, duplicates and an MA claim the lead does not meet; each count worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mapping.funnel import DEFINITION, DUPLICATE_PREFIX, FunnelPage, Reason, StageCodes, funnel_page
from mapping.funnel_counts import cohort_counts, entry_counts, reason_counts, span_counts, velocity_counts
from mapping.funnel_periods import PeriodKind, bounds, funnel_periods
from mapping.funnel_stats import (
    OPEN,
    at_end_series,
    at_end_table,
    cohort_rows,
    drift_rows,
    drift_totals,
    entered_table,
    top_reasons,
    velocity_rows,
)
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.sla import business_calendar
from tests.factories import compiled, hs_contact, sf_stamp

DEFAULT = compiled()
CODES = StageCodes(DEFAULT)
UNTIL = datetime(2026, 12, 1, 5, tzinfo=UTC)  # midnight in New York, the calendar's zone
AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)
SEP, OCT, NOV = 0, 1, 2


def _day(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 15, tzinfo=UTC)


def _lead(record_id: str, created: datetime, moves: list[tuple[datetime, str]], email: str, **extra: Any
          ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    status = moves[-1][1] if moves else "Open - Not Contacted"
    record = {"Id": record_id, "Status": status, "Email": email, "OwnerId": "005000000000001AAA",
              "CreatedDate": sf_stamp(created), "LeadSource": "Web", **extra}
    history = [{"LeadId": record_id, "Field": "Status", "NewValue": value, "CreatedDate": sf_stamp(at)} for at, value in moves]
    return record, history


POPULATION = [
    # A climbs: inquiry (Sep), MQL and SAL (Oct), SQL (Nov).
    _lead("A", _day(9, 5), [(_day(10, 5), "Marketing Qualified"), (_day(10, 12), "Sales Accepted"),
                            (_day(11, 2), "Sales Qualified")], "a@x.io"),
    # B skips MQL: inquiry (Sep) straight to SAL (Oct).
    _lead("B", _day(9, 10), [(_day(10, 15), "Sales Accepted")], "b@x.io"),
    # C is recycled and re-enters: MQL (Sep), recycled (Oct 5), MQL again (Oct 26).
    _lead("C", _day(9, 1), [(_day(9, 21), "Marketing Qualified"), (_day(10, 5), "Recycled"),
                            (_day(10, 26), "Marketing Qualified")], "c@x.io"),
    # D re-enters MQL twice in November: counted once there.
    _lead("D", _day(10, 20), [(_day(11, 3), "Marketing Qualified"), (_day(11, 5), "Recycled"),
                              (_day(11, 9), "Marketing Qualified")], "d@x.io"),
    # E converts in November, skipping every stage between.
    _lead("E", _day(9, 2), [(_day(11, 10), "Closed - Converted")], "e@x.io", IsConverted=True),
    # F1 and F2 are one person twice in Salesforce (same email): one person by the definition.
    _lead("F1", _day(10, 1), [], "f@x.io"),
    _lead("F2", _day(10, 2), [], "f@x.io"),
    # H is an inquiry whose HubSpot contact claims MQL with a score of 20: unmet, so not an MQL by the definition.
    _lead("H", _day(11, 16), [], "h@x.io"),
]
CONTACTS = [hs_contact("901", "marketingqualifiedlead", "h@x.io", score=20, entered=_day(11, 17), createdate=sf_stamp(_day(11, 16)))]


@pytest.fixture(scope="module")
def page() -> FunnelPage:
    crm = [normalize_salesforce(record, DEFAULT, history=history) for record, history in POPULATION]
    ma = [normalize_hubspot(contact, DEFAULT) for contact in CONTACTS]
    match = match_identities(crm, ma)
    return funnel_page(match.pairs, match.duplicates, [*crm, *ma], DEFAULT,
                       business_calendar(DEFAULT.definition.calendar), AS_OF)


@pytest.fixture(scope="module")
def edges() -> tuple[int, ...]:
    periods = funnel_periods(PeriodKind.MONTH, DEFAULT.zone, UNTIL, count=3)
    assert [p.label for p in periods] == ["2026-09", "2026-10", "2026-11"]
    return bounds(periods)


def test_each_person_enters_each_stage_once_per_month_across_records(page: FunnelPage, edges: tuple[int, ...]) -> None:
    entered = entered_table(entry_counts(page.segments, edges, "none"), CODES)

    assert {k: n for k, n in entered.items() if k[0] == SEP} == {(SEP, "inquiry", None): 4, (SEP, "mql", None): 1}
    assert {k: n for k, n in entered.items() if k[0] == OCT} == {
        (OCT, "inquiry", None): 2,  # D, and F1+F2 as one person
        (OCT, "mql", None): 2, (OCT, "sal", None): 2, (OCT, "recycled", None): 1}
    assert {k: n for k, n in entered.items() if k[0] == NOV} == {
        (NOV, "inquiry", None): 1,  # H (its HubSpot MQL claim is unmet)
        (NOV, "mql", None): 1,  # D, twice, counted once
        (NOV, "recycled", None): 1, (NOV, "sql", None): 1, (NOV, "opportunity", None): 1}


def test_people_at_each_stage_at_month_end(page: FunnelPage, edges: tuple[int, ...]) -> None:
    at_end = at_end_table(at_end_series(span_counts(page.segments, edges, "none"), 3), CODES)

    def month(m: int) -> dict[str | None, int]:
        return {stage: n for (period, stage, _), n in at_end.items() if period == m}

    assert month(SEP) == {"inquiry": 3, "mql": 1}  # A, B, E; C
    assert month(OCT) == {"inquiry": 3, "mql": 1, "sal": 2}  # D, E, F; C; A, B
    assert month(NOV) == {"inquiry": 2, "mql": 2, "sal": 1, "sql": 1, "opportunity": 1}  # F, H; C, D; B; A; E


def test_cohorts_show_where_people_went_with_the_open_share(page: FunnelPage, edges: tuple[int, ...]) -> None:
    rows = {(r.period, r.stage): r for r in cohort_rows(cohort_counts(page.segments, edges, "none"), CODES)}

    september = rows[(SEP, "inquiry")]  # A to SQL, B to SAL, C to MQL (then recycled, back), E to opportunity
    assert september.outcomes == {"sql": 1, "sal": 1, "mql": 1, "opportunity": 1}
    assert september.reached == {"mql": 1.0, "sal": 0.75, "sql": 0.5, "opportunity": 0.25, "customer": 0.0}
    assert september.open == 0.0
    assert rows[(SEP, "mql")].side == {"recycled": 1.0, "disqualified": 0.0}  # C, recycled before climbing
    assert rows[(OCT, "inquiry")].outcomes == {"mql": 1, OPEN: 1}  # D climbed; F is still an inquiry
    assert rows[(OCT, "mql")].outcomes == {"sql": 1, OPEN: 1}  # A climbed; C's re-entry is still open
    assert rows[(OCT, "sal")].outcomes == {"sql": 1, OPEN: 1}
    assert rows[(NOV, "mql")].outcomes == {"recycled": 1}  # D's first November entry; its re-entry is not a cohort
    for row in rows.values():
        assert sum(row.outcomes.values()) == row.entered
        assert sum(row.side.values()) + row.open + max(row.reached.values(), default=0.0) == pytest.approx(1.0)


def test_velocity_is_business_time_between_consecutive_stages(page: FunnelPage, edges: tuple[int, ...]) -> None:
    rows = velocity_rows(velocity_counts(page.segments, edges, "none"), CODES)

    # A: Monday Oct 5 11:00 to Monday Oct 12 11:00 in New York = 6 h + four 8 h days; Oct 12 is Columbus Day.
    steps = {(a, b): (n, p50) for a, b, _, n, p50, _ in rows}
    assert steps[("mql", "sal")] == (1, 38 * 3600)
    assert steps[("inquiry", "mql")][0] == 3  # A, C and D; their returns from a side stage are not steps
    assert ("inquiry", "sal") not in steps  # B skipped a stage: not a consecutive step


def test_drift_counts_each_system_and_the_definition_and_names_the_reasons(page: FunnelPage,
                                                                           edges: tuple[int, ...]) -> None:
    drift = drift_rows(at_end_series(span_counts(page.segments, edges, "none"), 3), 3, CODES)
    november = {d.stage: d for d in drift if d.period == NOV}

    assert november["mql"].systems == {"salesforce": 2, "hubspot": 1} and november["mql"].definition == 2
    assert november["inquiry"].systems["salesforce"] == 3 and november["inquiry"].definition == 2  # F1, F2: one person
    totals = drift_totals(drift, 3)[NOV]
    assert totals == {"salesforce": 8, "hubspot": 1, DEFINITION: 7}  # records each system holds; people
    reasons = reason_counts(page.reasons, edges)
    assert top_reasons(reasons, NOV) == {"hubspot": [(Reason.UNMET, 1)], "salesforce": [(Reason.DUPLICATE, 2)]}
    assert top_reasons(reasons, OCT) == {}  # the records agreed with the definition then
    assert {r.person for r in page.records if r.reason == Reason.DUPLICATE} == {DUPLICATE_PREFIX + "f@x.io"}
