"""The SLA clock: every state, exact breach instants across weekends and holidays, as-of semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.business_time import CLOCK_LATEST, EARLIEST, BusinessCalendar, add, clock_range, elapsed
from mapping.sla_clock import SlaClock, SlaPolicy, SlaState, evaluate_sla

NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CALENDAR = BusinessCalendar.office_hours("America/New_York", holiday_country="US")
FOUR_HOURS = SlaPolicy(budget=4 * H, warn_at=0.75)
MONDAY_9 = datetime(2026, 5, 18, 9, tzinfo=NEW_YORK)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def clock(
    now: datetime,
    work: tuple[datetime, ...] = (),
    started_at: datetime = MONDAY_9,
    estimated: bool = False,
    policy: SlaPolicy = FOUR_HOURS,
) -> SlaClock:
    return evaluate_sla(CALENDAR, policy, started_at, estimated, work, now)


class TestStates:
    @pytest.mark.parametrize(
        ("case", "now", "work", "state", "worked_at", "elapsed", "remaining"),
        [
            ("fresh lead", ny(2026, 5, 18, 10), (), SlaState.ON_TRACK, None, H, 3 * H),
            (
                "just before the warning",
                ny(2026, 5, 18, 11, 59),
                (),
                SlaState.ON_TRACK,
                None,
                3 * H - M,
                H + M,
            ),
            ("at the warning", ny(2026, 5, 18, 12), (), SlaState.AT_RISK, None, 3 * H, H),
            ("past the warning", ny(2026, 5, 18, 12, 30), (), SlaState.AT_RISK, None, 3.5 * H, 0.5 * H),
            ("at the due instant", ny(2026, 5, 18, 13), (), SlaState.BREACHED, None, 4 * H, timedelta(0)),
            ("past due", ny(2026, 5, 19, 10), (), SlaState.BREACHED, None, 9 * H, timedelta(0)),
            (
                "worked early",
                ny(2026, 5, 19, 10),
                (ny(2026, 5, 18, 11),),
                SlaState.MET,
                ny(2026, 5, 18, 11),
                2 * H,
                2 * H,
            ),
            (
                "worked at due",
                ny(2026, 5, 19, 10),
                (ny(2026, 5, 18, 13),),
                SlaState.MET,
                ny(2026, 5, 18, 13),
                4 * H,
                timedelta(0),
            ),
            (
                "worked late",
                ny(2026, 5, 19, 10),
                (ny(2026, 5, 18, 14),),
                SlaState.MISSED,
                ny(2026, 5, 18, 14),
                5 * H,
                timedelta(0),
            ),
            (
                "worked at entry",
                ny(2026, 5, 18, 10),
                (MONDAY_9,),
                SlaState.MET,
                MONDAY_9,
                timedelta(0),
                4 * H,
            ),
        ],
    )
    def test_state_table(
        self,
        case: str,
        now: datetime,
        work: tuple[datetime, ...],
        state: SlaState,
        worked_at: datetime | None,
        elapsed: timedelta,
        remaining: timedelta,
    ) -> None:
        result = clock(now, work)
        assert (result.state, result.worked_at, result.elapsed, result.remaining) == (
            state,
            worked_at,
            elapsed,
            remaining,
        )

    @pytest.mark.parametrize(
        ("now", "work", "breached_at"),
        [
            (ny(2026, 5, 18, 12), (), None),
            (ny(2026, 5, 18, 14), (), ny(2026, 5, 18, 13)),
            (ny(2026, 5, 18, 14), (ny(2026, 5, 18, 11),), None),
            (ny(2026, 5, 18, 15), (ny(2026, 5, 18, 14),), ny(2026, 5, 18, 13)),
        ],
    )
    def test_breach_instant_is_set_only_when_late(
        self, now: datetime, work: tuple[datetime, ...], breached_at: datetime | None
    ) -> None:
        assert clock(now, work).breached_at == breached_at

    def test_due_and_warning_instants(self) -> None:
        result = clock(ny(2026, 5, 18, 10))
        assert (result.due_at, result.at_risk_at) == (ny(2026, 5, 18, 13), ny(2026, 5, 18, 12))

    def test_states_have_stable_values(self) -> None:
        assert [s.value for s in SlaState] == ["on_track", "at_risk", "breached", "met", "missed"]


class TestBreachInstant:
    @pytest.mark.parametrize(
        ("case", "started_at", "now", "due_at", "state"),
        [
            (
                "Friday afternoon, checked Saturday",
                ny(2026, 5, 15, 15),
                ny(2026, 5, 16, 12),
                ny(2026, 5, 18, 11),
                SlaState.ON_TRACK,
            ),
            (
                "Friday afternoon, checked Monday 10:00",
                ny(2026, 5, 15, 15),
                ny(2026, 5, 18, 10),
                ny(2026, 5, 18, 11),
                SlaState.AT_RISK,
            ),
            (
                "Friday afternoon, checked Monday noon",
                ny(2026, 5, 15, 15),
                ny(2026, 5, 18, 12),
                ny(2026, 5, 18, 11),
                SlaState.BREACHED,
            ),
            (
                "before July 4th (observed Friday 3rd)",
                ny(2026, 7, 2, 15),
                ny(2026, 7, 6, 12),
                ny(2026, 7, 6, 11),
                SlaState.BREACHED,
            ),
            (
                "before Thanksgiving",
                ny(2026, 11, 25, 15),
                ny(2026, 11, 27, 12),
                ny(2026, 11, 27, 11),
                SlaState.BREACHED,
            ),
            (
                "across the spring DST weekend",
                ny(2026, 3, 6, 15),
                ny(2026, 3, 9, 12),
                ny(2026, 3, 9, 11),
                SlaState.BREACHED,
            ),
            (
                "entered on Sunday",
                ny(2026, 5, 17, 20),
                ny(2026, 5, 18, 14),
                ny(2026, 5, 18, 13),
                SlaState.BREACHED,
            ),
        ],
    )
    def test_breach_is_the_exact_business_instant(
        self, case: str, started_at: datetime, now: datetime, due_at: datetime, state: SlaState
    ) -> None:
        result = clock(now, started_at=started_at)
        expected_breach = due_at if state is SlaState.BREACHED else None
        assert (result.state, result.due_at, result.breached_at) == (state, due_at, expected_breach)

    def test_weekend_does_not_count_towards_the_budget(self) -> None:
        result = clock(ny(2026, 5, 17, 23), started_at=ny(2026, 5, 15, 15))
        assert (result.elapsed, result.remaining) == (2 * H, 2 * H)

    def test_a_missed_lead_keeps_the_breach_instant(self) -> None:
        result = clock(ny(2026, 7, 8, 9), (ny(2026, 7, 6, 15),), started_at=ny(2026, 7, 2, 15))
        assert (result.state, result.breached_at) == (SlaState.MISSED, ny(2026, 7, 6, 11))


class TestInputs:
    @pytest.mark.parametrize("estimated", [True, False])
    def test_estimated_start_is_carried(self, estimated: bool) -> None:
        assert clock(ny(2026, 5, 18, 10), estimated=estimated).started_estimated is estimated

    def test_work_before_entry_is_ignored(self) -> None:
        result = clock(ny(2026, 5, 18, 14), (ny(2026, 5, 18, 8, 59),))
        assert (result.state, result.worked_at) == (SlaState.BREACHED, None)

    def test_work_after_now_is_ignored(self) -> None:
        result = clock(ny(2026, 5, 18, 12, 30), (ny(2026, 5, 18, 12, 31),))
        assert (result.state, result.worked_at) == (SlaState.AT_RISK, None)

    def test_work_at_now_counts(self) -> None:
        assert clock(ny(2026, 5, 18, 12), (ny(2026, 5, 18, 12),)).state is SlaState.MET

    def test_the_first_qualifying_work_stops_the_clock(self) -> None:
        work = (ny(2026, 5, 18, 15), ny(2026, 5, 18, 8), ny(2026, 5, 18, 12), ny(2026, 5, 18, 14))
        result = clock(ny(2026, 5, 19, 9), work)
        assert (result.state, result.worked_at, result.elapsed) == (SlaState.MET, ny(2026, 5, 18, 12), 3 * H)

    def test_accepts_any_iterable_of_work(self) -> None:
        work = iter([ny(2026, 5, 18, 11)])
        assert clock(ny(2026, 5, 18, 12), work).worked_at == ny(2026, 5, 18, 11)  # type: ignore[arg-type]

    def test_a_start_after_now_is_on_track_with_nothing_elapsed(self) -> None:
        result = clock(ny(2026, 5, 18, 8))
        assert (result.state, result.elapsed, result.remaining) == (SlaState.ON_TRACK, timedelta(0), 4 * H)

    def test_instants_come_back_in_utc(self) -> None:
        result = clock(ny(2026, 5, 19, 10), (ny(2026, 5, 18, 14),))
        instants = (result.started_at, result.worked_at, result.due_at, result.at_risk_at, result.breached_at)
        assert all(instant is not None and instant.tzinfo is UTC for instant in instants)

    @pytest.mark.parametrize(
        ("now", "work", "started_at"),
        [
            (datetime(2026, 5, 18, 12), (), MONDAY_9),
            (datetime(2026, 5, 18, 12), (ny(2026, 5, 18, 10),), MONDAY_9),
            (ny(2026, 5, 18, 12), (datetime(2026, 5, 18, 10),), MONDAY_9),
            (ny(2026, 5, 18, 12), (), datetime(2026, 5, 18, 9)),
        ],
    )
    def test_naive_instants_are_rejected(
        self, now: datetime, work: tuple[datetime, ...], started_at: datetime
    ) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            clock(now, work, started_at=started_at)


class TestPolicy:
    @pytest.mark.parametrize(
        ("budget", "warn_at", "message"),
        [
            (timedelta(0), 0.75, "budget must be positive"),
            (-H, 0.75, "budget must be positive"),
            (H, 0.0, "warn_at"),
            (H, 1.5, "warn_at"),
        ],
    )
    def test_rejects_bad_policies(self, budget: timedelta, warn_at: float, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            SlaPolicy(budget, warn_at)

    def test_warning_is_the_fraction_of_the_budget(self) -> None:
        assert SlaPolicy(8 * H, 0.5).warning == 4 * H

    def test_warn_at_one_goes_straight_from_on_track_to_breached(self) -> None:
        strict = SlaPolicy(4 * H, 1.0)
        states = [clock(ny(2026, 5, 18, hour), policy=strict).state for hour in (12, 13)]
        assert states == [SlaState.ON_TRACK, SlaState.BREACHED]


# --- properties ----------------------------------------------------------------------------------------

# Every instant a clock may use (EARLIEST to CLOCK_LATEST), not a comfortable slice; any instant at all below.
instants = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None), max_value=CLOCK_LATEST.replace(tzinfo=None) - timedelta(microseconds=1),
    timezones=st.just(UTC),
)
any_instants = st.datetimes(timezones=st.just(UTC) | st.timezones())
policies = st.builds(
    SlaPolicy,
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=10)),
    st.floats(min_value=0.05, max_value=1.0),
)


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(policies, instants, instants, st.lists(instants, max_size=4), st.booleans())
    def test_clock_is_consistent_with_business_time(
        self, policy: SlaPolicy, started_at: datetime, now: datetime, work: list[datetime], estimated: bool
    ) -> None:
        result = evaluate_sla(CALENDAR, policy, started_at, estimated, work, now)
        assert result.due_at == add(CALENDAR, started_at, policy.budget)
        assert result.at_risk_at <= result.due_at
        assert (result.worked_at is not None) == (result.state in (SlaState.MET, SlaState.MISSED))
        assert (result.breached_at is not None) == (result.state in (SlaState.BREACHED, SlaState.MISSED))
        stopped = result.worked_at or now
        assert result.elapsed == max(elapsed(CALENDAR, started_at, stopped), timedelta(0))
        assert result.remaining == max(policy.budget - result.elapsed, timedelta(0))
        if result.state is SlaState.MET:
            assert result.elapsed <= policy.budget
        if result.state in (SlaState.BREACHED, SlaState.MISSED):
            assert result.elapsed >= policy.budget

    @settings(max_examples=200, deadline=None)
    @given(policies, any_instants, any_instants, st.lists(any_instants, max_size=4), st.booleans())
    def test_any_instants_give_a_clock_or_one_clear_error(
        self, policy: SlaPolicy, started_at: datetime, now: datetime, work: list[datetime], estimated: bool
    ) -> None:
        usable = clock_range(started_at) and clock_range(now)
        try:
            result = evaluate_sla(CALENDAR, policy, started_at, estimated, work, now)
        except ValueError as exc:
            assert not usable, exc
            assert str(exc) == "instants must lie in the years 1900-2199"
            return
        assert result.started_at == started_at.astimezone(UTC) and result.due_at >= result.at_risk_at >= started_at
