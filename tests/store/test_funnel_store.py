"""The funnel role (connectors.ports.FunnelStore) over every state store: the fake, SQLite, and PostgreSQL when
LEADSYNC_TEST_DATABASE_URL is set. The SQL store's counts over the periods each row carries answer what
`mapping.funnel_counts` computes from epoch seconds in Python, on a seeded population with re-entries, skips, side
stages and duplicates, for a funnel ending after every path and one ending mid-month before many of them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from connectors.ports import FunnelStore, RunState
from mapping.funnel import DEFINITION, FunnelPage, RecordFacts, funnel_page
from mapping.funnel_counts import cohort_counts, ordered, reason_counts, sla_counts, span_counts, velocity_counts
from mapping.funnel_periods import PeriodGrid, PeriodKind, funnel_periods, period_grid
from mapping.match import match_identities
from mapping.records import CanonicalLead, StageEvent
from mapping.sla import SlaEntry, business_calendar
from mapping.sla_clock import SlaState
from tests.factories import compiled

DEFAULT = compiled()
UNTIL = datetime(2026, 12, 1, 5, tzinfo=UTC)
MID_AUGUST = datetime(2026, 8, 17, 14, 30, tzinfo=UTC)  # a funnel that ends mid-period, before many paths do
STAGES = [*DEFAULT.ladder, *sorted(DEFAULT.side), None]


def _grid(kind: PeriodKind, until: datetime, count: int) -> PeriodGrid:
    return period_grid(kind, DEFAULT.zone, funnel_periods(kind, DEFAULT.zone, until, count=count))


def _population(seed: int, people: int) -> FunnelPage:
    rng = random.Random(seed)
    start = datetime(2025, 11, 1, tzinfo=UTC)

    def lead(system: str, n: int) -> CanonicalLead:
        moments = sorted(start + timedelta(hours=rng.randrange(0, 24 * 400)) for _ in range(rng.randrange(0, 6)))
        history = tuple(StageEvent(rng.choice(STAGES), at, "seeded") for at in moments)
        stage = history[-1].stage if history and rng.random() < 0.8 else rng.choice(STAGES)
        fields = {"email_valid": True, "score": rng.choice([None, 20, 70]), "owner_id": rng.choice(["o1", "o2", None]),
                  "source": rng.choice(["web", "event", None])}
        return CanonicalLead(system, f"{system[:2]}{n:05d}", f"p{rng.randrange(people)}@x.io", stage, {}, fields,
                             created_at=start + timedelta(hours=rng.randrange(0, 24 * 300)), history=history)

    crm = [lead("salesforce", n) for n in range(people)]
    ma = [lead("hubspot", n) for n in range(people)]
    match = match_identities(crm, ma)
    return funnel_page(match.pairs, match.duplicates, [*crm, *ma], DEFAULT, business_calendar(DEFAULT.definition.calendar),
                       UNTIL - timedelta(days=3))


@pytest.mark.parametrize("until", [UNTIL, MID_AUGUST])
@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("by", ["none", "owner", "source"])
def test_the_store_counts_what_the_rows_say(state: FunnelStore, kind: PeriodKind, by: str, until: datetime) -> None:
    page = _population(seed=11, people=160)
    state.save_funnel(page)
    grid = _grid(kind, until, count=12)
    edges = grid.edges

    assert ordered(state.funnel_spans(grid, by)) == span_counts(page.segments, edges, by)
    assert ordered(state.funnel_cohorts(grid, by)) == cohort_counts(page.segments, edges, by)
    assert ordered(state.funnel_velocity(grid, by)) == velocity_counts(page.segments, edges, by)
    assert state.drift_reasons() == reason_counts(page.records)
    assert state.funnel_versions() == {DEFAULT.version: len(page.records)}


def test_a_page_replaces_its_records_and_people_and_a_moved_person_leaves_no_trace(state: FunnelStore) -> None:
    page = _population(seed=3, people=40)
    state.save_funnel(page)
    state.save_funnel(page)  # the same page again: replaced, not doubled
    grid = _grid(PeriodKind.MONTH, UNTIL, count=14)
    assert ordered(state.funnel_spans(grid, "none")) == span_counts(page.segments, grid.edges, "none")

    contact = next(r for r in page.records if r.system == "hubspot" and r.person == r.record_id)
    moved = RecordFacts(contact.system, contact.record_id, "sa99999", contact.stage, contact.resolved, "",
                        None, None, contact.version, contact.as_of_s)
    person_rows = [s for s in page.segments if s.view == DEFINITION and s.key == contact.person]
    relinked = tuple(s.__class__(**{**{f: getattr(s, f) for f in s.__slots__}, "key": "sa99999"}) for s in person_rows)
    state.save_funnel(FunnelPage((moved,), relinked))

    kept = [s for s in page.segments if not (s.view == DEFINITION and s.key == contact.person)] + list(relinked)
    assert ordered(state.funnel_spans(grid, "none")) == span_counts(kept, grid.edges, "none")
    state.clear_funnel()
    assert state.funnel_versions() == {} and state.funnel_spans(grid, "none") == []


def test_the_sla_trend_counts_clocks_by_the_period_they_started_in(state: RunState) -> None:
    started = [datetime(2026, 10, 30, 23, tzinfo=UTC), datetime(2026, 11, 2, 14, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)]
    entries = [SlaEntry("salesforce", f"00Q{n:015d}", "mql", state, at, False, None, at + timedelta(hours=4),
                        at + timedelta(hours=3), None, "o1")
               for n, (at, state) in enumerate(zip(started, (SlaState.MET, SlaState.BREACHED, SlaState.MET), strict=True))]
    state.upsert_sla(entries, UNTIL)
    grid = _grid(PeriodKind.MONTH, UNTIL, count=2)

    expected = sla_counts(((e.started_at, e.stage, e.owner_id, e.state.value) for e in entries), grid.edges)
    assert state.sla_trend(grid) == expected
    assert [(r.period, r.state) for r in expected] == [(0, "met"), (1, "breached")]  # Oct 30 23:00 UTC is October in New York
