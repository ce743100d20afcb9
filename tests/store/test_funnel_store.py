"""The funnel role (connectors.ports.FunnelStore) over every state store: the fake, SQLite, and PostgreSQL when
LEADSYNC_TEST_DATABASE_URL is set. The SQL store's counts over the periods each row carries answer what
`mapping.funnel_counts` computes from epoch seconds in Python, on a seeded population with re-entries, skips, side
stages and duplicates, for a funnel ending after every path and one ending mid-month before many of them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from connectors.ports import FunnelStore, RunState
from connectors.store import schema
from connectors.store.sql_state import open_run_state
from mapping.funnel import DEFINITION, FunnelPage, Reason, RecordFacts, funnel_page
from mapping.funnel_counts import cohort_counts, ordered, reason_counts, sla_counts, span_counts, velocity_counts
from mapping.funnel_periods import PeriodGrid, PeriodKind, funnel_periods, period_grid
from mapping.funnel_reasons import UNKNOWN
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
    assert state.drift_reasons(grid) == reason_counts(page.reasons, edges)
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


def _pair_seen_at(as_of: datetime, crm_stage: str, crm_moves: tuple[StageEvent, ...]) -> FunnelPage:
    """A lead created July 1 and its contact, an MQL by HubSpot (score 70) since August 10, as a sync at `as_of`
    sees them."""
    fields = {"email_valid": True, "score": 70, "owner_id": "o1", "source": "web"}
    crm = CanonicalLead("salesforce", "00Q000000000001AAA", "ada@x.io", crm_stage, {}, fields,
                        created_at=datetime(2026, 7, 1, 15, tzinfo=UTC), history=crm_moves)
    mql = datetime(2026, 8, 10, 15, tzinfo=UTC)
    ma = CanonicalLead("hubspot", "501", "ada@x.io", "mql", {}, fields, created_at=mql,
                       history=(StageEvent("mql", mql, "seeded"),))
    match = match_identities([crm], [ma])
    return funnel_page(match.pairs, match.duplicates, [crm, ma], DEFAULT, business_calendar(DEFAULT.definition.calendar),
                       as_of)


def test_each_record_keeps_its_reasons_history_and_an_unknown_one_before_it_was_first_seen(state: FunnelStore) -> None:
    first = _pair_seen_at(datetime(2026, 9, 15, 15, tzinfo=UTC), "inquiry", ())  # Salesforce lags HubSpot's MQL
    state.save_funnel(first)
    state.save_funnel(first)  # the same run's page again: nothing doubled
    moved = (StageEvent("mql", datetime(2026, 10, 1, 15, tzinfo=UTC), "seeded"),)
    state.save_funnel(_pair_seen_at(datetime(2026, 10, 20, 15, tzinfo=UTC), "mql", moved))  # caught up
    grid = _grid(PeriodKind.MONTH, UNTIL, count=5)  # July to November

    found = {(r.period, r.system, r.stage, r.reason): r.records for r in state.drift_reasons(grid)}

    # July: both inquiries. August: differing since August 10, before the first sync saw it: unknown. September: the
    # first sync's lag holds. October and November: the second sync saw them agree.
    assert found == {(1, "salesforce", "inquiry", UNKNOWN): 1, (2, "salesforce", "inquiry", Reason.LAG): 1}
    state.clear_funnel()
    assert state.drift_reasons(grid) == []


def test_funnel_rows_made_before_reasons_were_kept_are_stale_after_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/v8.db"
    engine = create_engine(url)
    with engine.begin() as connection:
        assert schema.migrate(connection, target=8) == 8
        connection.execute(schema.funnel_records.insert().values(
            system="salesforce", record_id="00Q1", person="00Q1", stage="mql", resolved="mql", reason="",
            version=DEFAULT.version, as_of_s=int(UNTIL.timestamp())))
    engine.dispose()

    store = open_run_state(url)  # migrated to the latest
    assert store.funnel_versions() == {schema.STALE_VERSION: 1}  # so the next funnel rebuilds them, reasons and all
    store.close()


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


def _clock(record_id: str, stage: str, at: datetime, clock_state: SlaState) -> SlaEntry:
    return SlaEntry("salesforce", record_id, stage, clock_state, at, False, None, at + timedelta(hours=4),
                    at + timedelta(hours=3), None, "o1")


def test_the_sla_trend_counts_a_leads_earlier_clocks_once_with_its_current_one(state: RunState) -> None:
    october, november = datetime(2026, 10, 12, 14, tzinfo=UTC), datetime(2026, 11, 3, 14, tzinfo=UTC)
    state.upsert_sla([_clock("00Q1", "mql", october, SlaState.BREACHED),
                      _clock("00Q2", "mql", october, SlaState.ON_TRACK)], october + timedelta(hours=5))
    moved_on = [_clock("00Q1", "sal", november, SlaState.MET), _clock("00Q2", "sal", november, SlaState.AT_RISK)]
    state.upsert_sla(moved_on, november + timedelta(hours=1))
    state.upsert_sla(moved_on, november + timedelta(hours=2))  # the same clocks again: nothing ends twice
    again = _clock("00Q2", "sal", november + timedelta(days=2), SlaState.ON_TRACK)  # re-entered the same stage
    state.upsert_sla([again], november + timedelta(days=2, hours=1))

    counted = {(r.period, r.stage, r.state): r.clocks for r in state.sla_trend(_grid(PeriodKind.MONTH, UNTIL, count=2))}
    assert counted == {(0, "mql", "breached"): 1, (0, "mql", "left"): 1,  # 00Q2 moved on before its due time
                       (1, "sal", "met"): 1, (1, "sal", "left"): 1, (1, "sal", "on_track"): 1}
