"""Funnel properties over any population: nobody counted twice in a stage per period, cohort shares that sum to 1
with the open share, and drift columns whose totals are the records each system holds."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from mapping.funnel import DEFINITION, NO_STAGE, FunnelPage, Segment, funnel_page
from mapping.funnel_counts import cohort_counts, entry_counts, ordered, reason_counts, span_counts
from mapping.funnel_periods import PeriodKind, bounds, end_index, funnel_periods, period_grid, period_index
from mapping.funnel_reasons import UNKNOWN, ReasonStay
from mapping.funnel_stats import at_end_series, cohort_rows, drift_rows, drift_totals, entries_of_cohorts
from mapping.match import match_identities
from mapping.plan import plan_pairs
from mapping.records import CanonicalLead, StageEvent
from mapping.sla import business_calendar
from tests.factories import compiled
from tests.unit.mapping.test_funnel_cohorts import CODES

DEFAULT = compiled()
CALENDAR = business_calendar(DEFAULT.definition.calendar)
STAGES = [*DEFAULT.ladder, *sorted(DEFAULT.side), None]
instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC))
near = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC))
when = st.one_of(near, near, near, instants)


@st.composite
def leads(draw: st.DrawFn, system: str, number: int) -> CanonicalLead:
    history = sorted(draw(st.lists(st.tuples(when, st.sampled_from(STAGES)), max_size=5)), key=lambda e: e[0])
    stage = history[-1][1] if history and draw(st.booleans()) else draw(st.sampled_from(STAGES))
    fields = {"email_valid": True, "score": draw(st.sampled_from([None, 10, 80])), "owner_id": draw(st.sampled_from([None, "o1", "o2"])),
              "source": draw(st.sampled_from([None, "web", "event"]))}
    return CanonicalLead(system, f"{system[:2]}{number}", f"p{draw(st.integers(0, 6))}@x.io", stage, {}, fields,
                         stage_entered_at=draw(st.none() | when), created_at=draw(st.none() | when),
                         history=tuple(StageEvent(s, at, "test") for at, s in history))


@st.composite
def populations(draw: st.DrawFn) -> tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]:
    crm = [draw(leads("salesforce", n)) for n in range(draw(st.integers(0, 6)))]
    ma = [draw(leads("hubspot", n)) for n in range(draw(st.integers(0, 6)))]
    as_of = draw(near)
    until = draw(near)
    periods = funnel_periods(draw(st.sampled_from(list(PeriodKind))), DEFAULT.zone, until, count=draw(st.integers(1, 14)))
    match = match_identities(crm, ma)
    page = funnel_page(match.pairs, match.duplicates, [*crm, *ma], DEFAULT, CALENDAR, as_of)
    return page, [*crm, *ma], bounds(periods), as_of


@given(populations())
def test_nobody_is_counted_twice_in_a_stage_per_period(population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]) -> None:
    page, _, edges, _ = population
    people: dict[tuple[int, int], set[str]] = defaultdict(set)
    for s in page.segments:
        period = period_index(edges, s.entered_s)
        if s.view == DEFINITION and s.code != NO_STAGE and period is not None:
            people[(period, s.code)].add(s.key)
    assert {(e.period, e.code): e.people for e in entry_counts(page.segments, edges, "none")} == \
        {key: len(keys) for key, keys in people.items()}
    assert ordered(entries_of_cohorts(cohort_counts(page.segments, edges, "none"))) == entry_counts(page.segments, edges, "none")
    series = at_end_series(span_counts(page.segments, edges, "none"), len(edges) - 1)
    persons = {s.key for s in page.segments if s.view == DEFINITION}
    for period in range(len(edges) - 1):
        assert sum(counts[period] for (view, _, _), counts in series.items() if view == DEFINITION) <= len(persons)
    _assert_stays_never_overlap(page.segments)


def _assert_stays_never_overlap(segments: tuple[Segment, ...]) -> None:
    paths: dict[tuple[str, str], list[Segment]] = defaultdict(list)
    for s in segments:
        paths[(s.view, s.key)].append(s)
    for stays in paths.values():
        stays.sort(key=lambda s: s.seq)
        assert [s.seq for s in stays] == list(range(len(stays)))
        for before, after in pairwise(stays):
            assert before.left_s == after.entered_s and before.entered_s <= after.entered_s
        assert stays[-1].left_s is None


@given(populations())
def test_cohort_shares_sum_to_one_with_the_open_share(population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]) -> None:
    page, _, edges, _ = population
    for row in cohort_rows(cohort_counts(page.segments, edges, "none"), CODES):
        assert sum(row.outcomes.values()) == row.entered > 0
        climbed = max(row.reached.values(), default=0.0)
        assert abs(climbed + sum(row.side.values()) + row.open - 1.0) < 1e-9
        assert list(row.reached.values()) == sorted(row.reached.values(), reverse=True)  # a funnel never widens


@given(populations())
def test_each_systems_drift_column_sums_to_the_records_it_holds(population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]) -> None:
    page, records, edges, as_of = population
    periods = len(edges) - 1
    totals = drift_totals(drift_rows(at_end_series(span_counts(page.segments, edges, "none"), periods), periods, CODES), periods)
    for system in ("salesforce", "hubspot"):
        firsts = [_first_seen(lead, as_of) for lead in records if lead.system == system]
        held = [sum(1 for first in firsts if end_index(edges, first) <= period) for period in range(periods)]
        assert [t[system] for t in totals] == held


def _first_seen(lead: CanonicalLead, as_of: datetime) -> int:
    """When the record's system first shows it: its first recorded stage move, or its creation, or its entry."""
    if not lead.history:
        return int((lead.stage_entered_at or lead.created_at or as_of).timestamp())
    starts = [lead.history[0].at] + ([lead.created_at] if lead.created_at else [])
    return int(min(starts).timestamp())


@given(populations())
def test_a_record_has_one_reason_at_a_time_and_an_unknown_one_only_before_the_run(
        population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]) -> None:
    page, _, edges, _ = population
    histories: dict[tuple[str, str], list[ReasonStay]] = defaultdict(list)
    for row in page.reasons:
        histories[(row.system, row.record_id)].append(row)
    assert histories.keys() == {(r.system, r.record_id) for r in page.records}
    for *past, current in histories.values():
        assert current.until_s is None and current.reason != UNKNOWN
        assert all(r.reason == UNKNOWN and r.until_s is not None and r.since_s < r.until_s <= current.since_s for r in past)
        assert all(a.until_s is not None and a.until_s <= b.since_s for a, b in pairwise(past))
    for period in range(len(edges) - 1):
        counted = sum(r.records for r in reason_counts(page.reasons, edges) if r.period == period)
        assert counted <= len(histories)


@given(populations(), st.sampled_from(list(PeriodKind)), st.integers(1, 14))
def test_a_stays_period_numbers_are_the_periods_its_instants_fall_in(
        population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime], kind: PeriodKind, count: int) -> None:
    page, _, _, as_of = population
    periods = funnel_periods(kind, DEFAULT.zone, as_of, count=count)
    grid = period_grid(kind, DEFAULT.zone, periods)
    for s in page.segments:
        entered, left = (s.entered_m, s.left_m) if kind is PeriodKind.MONTH else (s.entered_w, s.left_w)
        repeat = s.repeat_m if kind is PeriodKind.MONTH else s.repeat_w
        if (period := period_index(grid.edges, s.entered_s)) is not None:
            assert entered - grid.first == period
            assert repeat == (s.prev_same_s is not None and s.prev_same_s >= grid.edges[period])
        if s.left_s is not None and period_index(grid.edges, s.left_s) is not None:
            assert left is not None and left - grid.first == period_index(grid.edges, s.left_s)


@given(populations())
def test_the_plans_stages_make_the_rows_resolving_again_makes(
        population: tuple[FunnelPage, list[CanonicalLead], tuple[int, ...], datetime]) -> None:
    page, records, _, as_of = population
    match = match_identities([r for r in records if r.system == "salesforce"], [r for r in records if r.system == "hubspot"])
    plan = plan_pairs(match.pairs, DEFAULT, as_of)
    assert funnel_page(match.pairs, match.duplicates, records, DEFAULT, CALENDAR, as_of, plan.resolved) == page


def test_periods_cover_the_range_without_gaps_in_any_zone_and_kind() -> None:
    until = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)  # the Monday after the DST switch in New York
    for kind in PeriodKind:
        periods = funnel_periods(kind, DEFAULT.zone, until, count=20)
        assert len(periods) == 20 and periods[-1].end == until
        assert all(a.end == b.start and a.start < a.end for a, b in pairwise(periods))
        assert all(p.start.astimezone(DEFAULT.zone).hour == 0 for p in periods)
    assert funnel_periods(PeriodKind.MONTH, DEFAULT.zone, until, since=(until - timedelta(days=40)).date())[0].label == "2026-01"
