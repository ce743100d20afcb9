"""Business-time arithmetic: hand-checked tables (weekends, holidays, split shifts, DST) and properties."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mapping.business_time import (
    CLOCK_LATEST,
    EARLIEST,
    HORIZON,
    LATEST,
    BusinessCalendar,
    add,
    add_many,
    clock_range,
    elapsed,
    in_range,
    measure,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
US = timedelta(microseconds=1)

NY_OFFICE = BusinessCalendar.office_hours("America/New_York")
NY_US = BusinessCalendar.office_hours("America/New_York", holiday_country="US")
LONDON_OFFICE = BusinessCalendar.office_hours("Europe/London")
LONDON_ENGLAND = BusinessCalendar.office_hours(
    "Europe/London", holiday_country="GB", holiday_subdivision="ENG"
)
SPLIT_SHIFT = BusinessCalendar.office_hours("Europe/London", (time(9), time(12)), (time(13), time(17)))
NY_NIGHT_SUNDAY = BusinessCalendar("America/New_York", {6: ((time(0), time(6)),)})
LONDON_ALL_WEEKEND = BusinessCalendar("Europe/London", {5: ((time(0), time(0)),), 6: ((time(0), time(0)),)})
SANTIAGO = BusinessCalendar(  # Chile switches at midnight: some local days start at 01:00
    "America/Santiago", {d: ((time(0), time(0)),) if d >= 5 else ((time(9), time(17)),) for d in range(7)}
)
ALWAYS_UTC = BusinessCalendar("UTC", {day: ((time(0), time(0)),) for day in range(7)})
LORD_HOWE = BusinessCalendar(
    "Australia/Lord_Howe", {d: ((time(0), time(4)), (time(8), time(18))) for d in range(7)}
)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def lord_howe(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Australia/Lord_Howe"))


def chile(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=ZoneInfo("America/Santiago"))


class TestElapsedTable:
    @pytest.mark.parametrize(
        ("case", "calendar", "start", "end", "expected"),
        [
            ("same day", NY_OFFICE, ny(2026, 5, 12, 10), ny(2026, 5, 12, 15, 30), 5.5 * H),
            ("before opening to after closing", NY_OFFICE, ny(2026, 5, 12, 6), ny(2026, 5, 12, 20), 8 * H),
            ("weekend skipped", NY_OFFICE, ny(2026, 5, 15, 16), ny(2026, 5, 18, 10), 2 * H),
            ("all weekend is zero", NY_OFFICE, ny(2026, 5, 16, 8), ny(2026, 5, 17, 20), timedelta(0)),
            ("two full weeks", NY_OFFICE, ny(2026, 5, 4), ny(2026, 5, 18), 80 * H),
            ("split shift skips lunch", SPLIT_SHIFT, london(2026, 5, 12, 11), london(2026, 5, 12, 14), 2 * H),
            ("split shift full day", SPLIT_SHIFT, london(2026, 5, 12), london(2026, 5, 13), 7 * H),
            (
                "start in lunch break",
                SPLIT_SHIFT,
                london(2026, 5, 12, 12, 30),
                london(2026, 5, 12, 13, 45),
                0.75 * H,
            ),
        ],
    )
    def test_counts_only_working_hours(
        self, case: str, calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
    ) -> None:
        assert elapsed(calendar, start, end) == expected

    def test_a_reversed_span_is_negative(self) -> None:
        start, end = ny(2026, 5, 15, 16), ny(2026, 5, 18, 10)
        assert elapsed(NY_OFFICE, end, start) == -2 * H

    def test_an_empty_span_is_zero(self) -> None:
        assert elapsed(NY_OFFICE, ny(2026, 5, 12, 10), ny(2026, 5, 12, 10)) == timedelta(0)


class TestAddTable:
    @pytest.mark.parametrize(
        ("case", "calendar", "start", "duration", "expected"),
        [
            ("within the day", NY_OFFICE, ny(2026, 5, 12, 10), 3 * H, ny(2026, 5, 12, 13)),
            ("ends exactly at closing", NY_OFFICE, ny(2026, 5, 15, 13), 4 * H, ny(2026, 5, 15, 17)),
            ("rolls over the weekend", NY_OFFICE, ny(2026, 5, 15, 15), 4 * H, ny(2026, 5, 18, 11)),
            ("starts on Saturday", NY_OFFICE, ny(2026, 5, 16, 10), H, ny(2026, 5, 18, 10)),
            ("starts before opening", NY_OFFICE, ny(2026, 5, 12, 7), H, ny(2026, 5, 12, 10)),
            ("starts at closing", NY_OFFICE, ny(2026, 5, 15, 17), H, ny(2026, 5, 18, 10)),
            ("five business days", NY_OFFICE, ny(2026, 5, 12, 10), 40 * H, ny(2026, 5, 19, 10)),
            ("zero returns the start", NY_OFFICE, ny(2026, 5, 16, 10), timedelta(0), ny(2026, 5, 16, 10)),
            (
                "split shift to end of morning",
                SPLIT_SHIFT,
                london(2026, 5, 12, 11),
                H,
                london(2026, 5, 12, 12),
            ),
            (
                "split shift across lunch",
                SPLIT_SHIFT,
                london(2026, 5, 12, 11, 30),
                H,
                london(2026, 5, 12, 13, 30),
            ),
            (
                "split shift from lunch",
                SPLIT_SHIFT,
                london(2026, 5, 12, 12, 30),
                0.5 * H,
                london(2026, 5, 12, 13, 30),
            ),
            ("always-on calendar adds plainly", ALWAYS_UTC, ny(2026, 3, 7, 12), 48 * H, ny(2026, 3, 9, 13)),
        ],
    )
    def test_finds_the_instant(
        self, case: str, calendar: BusinessCalendar, start: datetime, duration: timedelta, expected: datetime
    ) -> None:
        assert add(calendar, start, duration) == expected

    def test_returns_utc(self) -> None:
        assert add(NY_OFFICE, ny(2026, 5, 12, 10), H).tzinfo is UTC

    def test_add_many_matches_add(self) -> None:
        start, durations = ny(2026, 5, 15, 15), (H, 4 * H, timedelta(0), 30 * H)
        assert add_many(NY_OFFICE, start, durations) == tuple(add(NY_OFFICE, start, d) for d in durations)

    def test_measure_combines_add_many_and_elapsed(self) -> None:
        start, until = ny(2026, 5, 15, 15), ny(2026, 5, 19, 12)
        deadlines, spent = measure(NY_OFFICE, start, (4 * H,), until)
        assert (deadlines, spent) == ((ny(2026, 5, 18, 11),), elapsed(NY_OFFICE, start, until))

    def test_rejects_a_negative_duration(self) -> None:
        with pytest.raises(ValueError, match="must not be negative"):
            add(NY_OFFICE, ny(2026, 5, 12, 10), -H)


class TestDaylightSaving:
    """US 2026: clocks go forward on 8 March and back on 1 November; UK: 29 March and 25 October."""

    @pytest.mark.parametrize(
        ("case", "calendar", "start", "end", "expected"),
        [
            ("NY Friday to Monday, spring", NY_OFFICE, ny(2026, 3, 6, 15), ny(2026, 3, 9, 11), 4 * H),
            ("NY Friday to Monday, autumn", NY_OFFICE, ny(2026, 10, 30, 16), ny(2026, 11, 2, 10), 2 * H),
            ("NY switch week is 40 h", NY_OFFICE, ny(2026, 3, 2), ny(2026, 3, 9), 40 * H),
            ("NY two weeks around autumn", NY_OFFICE, ny(2026, 10, 26), ny(2026, 11, 9), 80 * H),
            (
                "London Friday to Monday, spring",
                LONDON_OFFICE,
                london(2026, 3, 27, 16),
                london(2026, 3, 30, 10),
                2 * H,
            ),
            (
                "London Friday to Monday, autumn",
                LONDON_OFFICE,
                london(2026, 10, 23, 16),
                london(2026, 10, 26, 10),
                2 * H,
            ),
            ("NY night shift loses an hour", NY_NIGHT_SUNDAY, ny(2026, 3, 8), ny(2026, 3, 9), 5 * H),
            ("NY night shift gains an hour", NY_NIGHT_SUNDAY, ny(2026, 11, 1), ny(2026, 11, 2), 7 * H),
            (
                "London 24 h Sunday is 23 h",
                LONDON_ALL_WEEKEND,
                london(2026, 3, 29),
                london(2026, 3, 30),
                23 * H,
            ),
            (
                "London 24 h Sunday is 25 h",
                LONDON_ALL_WEEKEND,
                london(2026, 10, 25),
                london(2026, 10, 26),
                25 * H,
            ),
            ("Santiago weekend, back at midnight", SANTIAGO, chile(2026, 4, 4), chile(2026, 4, 6), 49 * H),
            ("Santiago weekend, forward at midnight", SANTIAGO, chile(2026, 9, 5), chile(2026, 9, 7), 47 * H),
            (
                "Lord Howe half-hour back",
                LORD_HOWE,
                lord_howe(2026, 4, 5),
                lord_howe(2026, 4, 5, 12),
                8.5 * H,
            ),
            (
                "Lord Howe half-hour forward",
                LORD_HOWE,
                lord_howe(2026, 10, 4),
                lord_howe(2026, 10, 4, 12),
                7.5 * H,
            ),
        ],
    )
    def test_elapsed_across_the_switch(
        self, case: str, calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
    ) -> None:
        assert elapsed(calendar, start, end) == expected

    def test_friday_to_monday_spans_an_hour_less_of_real_time_in_spring(self) -> None:
        start, end = ny(2026, 3, 6, 15), ny(2026, 3, 9, 11)
        real = end.astimezone(UTC) - start.astimezone(UTC)  # same-tzinfo subtraction would give wall time
        assert (real, elapsed(NY_OFFICE, start, end)) == (67 * H, 4 * H)

    @pytest.mark.parametrize(
        ("case", "calendar", "start", "duration", "expected_utc"),
        [
            ("NY spring", NY_OFFICE, ny(2026, 3, 6, 15), 4 * H, datetime(2026, 3, 9, 15, tzinfo=UTC)),
            ("NY autumn", NY_OFFICE, ny(2026, 10, 30, 16), 3 * H, datetime(2026, 11, 2, 16, tzinfo=UTC)),
            (
                "London spring",
                LONDON_OFFICE,
                london(2026, 3, 27, 16),
                3 * H,
                datetime(2026, 3, 30, 10, tzinfo=UTC),
            ),
            (
                "London autumn",
                LONDON_OFFICE,
                london(2026, 10, 23, 16),
                3 * H,
                datetime(2026, 10, 26, 11, tzinfo=UTC),
            ),
            ("through a short night", NY_NIGHT_SUNDAY, ny(2026, 3, 8), 3 * H, ny(2026, 3, 8, 4)),
            (
                "through a long night",
                NY_NIGHT_SUNDAY,
                ny(2026, 11, 1),
                2 * H,
                datetime(2026, 11, 1, 6, tzinfo=UTC),
            ),
        ],
    )
    def test_add_across_the_switch(
        self,
        case: str,
        calendar: BusinessCalendar,
        start: datetime,
        duration: timedelta,
        expected_utc: datetime,
    ) -> None:
        assert add(calendar, start, duration) == expected_utc


class TestHolidays:
    @pytest.mark.parametrize(
        ("case", "calendar", "start", "end", "expected"),
        [
            ("US July 4th on a Friday", NY_US, ny(2025, 7, 3, 16), ny(2025, 7, 7, 10), 2 * H),
            ("US July 4th observed on Friday 3rd", NY_US, ny(2026, 7, 2, 16), ny(2026, 7, 6, 10), 2 * H),
            ("no country, no holiday", NY_OFFICE, ny(2025, 7, 3, 16), ny(2025, 7, 7, 10), 10 * H),
            ("England Easter", LONDON_ENGLAND, london(2026, 4, 2, 16), london(2026, 4, 7, 10), 2 * H),
            (
                "England late summer bank holiday",
                LONDON_ENGLAND,
                london(2026, 8, 28, 16),
                london(2026, 9, 1, 10),
                2 * H,
            ),
        ],
    )
    def test_country_holidays_are_skipped(
        self, case: str, calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
    ) -> None:
        assert elapsed(calendar, start, end) == expected

    def test_subdivision_holidays_need_the_subdivision(self) -> None:
        uk_wide = BusinessCalendar.office_hours("Europe/London", holiday_country="GB")
        span = (london(2026, 8, 28, 16), london(2026, 9, 1, 10))
        assert (elapsed(uk_wide, *span), elapsed(LONDON_ENGLAND, *span)) == (10 * H, 2 * H)

    def test_an_extra_date_is_skipped(self) -> None:
        calendar = replace(NY_OFFICE, extra_holidays=frozenset({date(2026, 5, 13)}))
        assert elapsed(calendar, ny(2026, 5, 12, 16), ny(2026, 5, 14, 10)) == 2 * H
        assert add(calendar, ny(2026, 5, 12, 16), 2 * H) == ny(2026, 5, 14, 10)

    def test_add_waits_for_the_next_working_day(self) -> None:
        assert add(NY_US, ny(2026, 7, 2, 16), 2 * H) == ny(2026, 7, 6, 10)

    def test_is_holiday_answers_per_date(self) -> None:
        calendar = replace(NY_US, extra_holidays=frozenset({date(2026, 5, 13)}))
        checks = [calendar.is_holiday(d) for d in (date(2026, 7, 3), date(2026, 5, 13), date(2026, 5, 14))]
        assert checks == [True, True, False]


class TestValidation:
    @pytest.mark.parametrize(
        ("case", "weekly_hours", "message"),
        [
            ("no working day", {}, "no working hours on any weekday"),
            ("only empty days", {0: (), 6: ()}, "no working hours on any weekday"),
            ("unknown weekday", {7: ((time(9), time(17)),)}, "weekdays 0"),
            ("end before start", {0: ((time(17), time(9)),)}, "ends before it starts"),
            ("overlap", {0: ((time(9), time(13)), (time(12), time(17)))}, "must not overlap"),
            ("out of order", {0: ((time(13), time(17)), (time(9), time(12)))}, "must not overlap"),
            ("after midnight end", {0: ((time(9), time(0)), (time(1), time(2)))}, "must not overlap"),
            ("aware time", {0: ((time(9, tzinfo=UTC), time(17)),)}, "naive datetime.time"),
        ],
    )
    def test_rejects_bad_weekly_hours(self, case: str, weekly_hours: dict[int, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            BusinessCalendar("Europe/London", weekly_hours)

    def test_adjacent_intervals_are_allowed(self) -> None:
        calendar = BusinessCalendar("UTC", {0: ((time(9), time(12)), (time(12), time(17)))})
        assert add(calendar, datetime(2026, 5, 11, 11, tzinfo=UTC), 2 * H) == datetime(
            2026, 5, 11, 13, tzinfo=UTC
        )

    @pytest.mark.parametrize(
        ("case", "kwargs", "message"),
        [
            ("unknown zone", {"timezone": "Mars/Olympus"}, "unknown IANA time zone"),
            ("unknown country", {"holiday_country": "XX"}, "unknown holiday country"),
            (
                "unknown subdivision",
                {"holiday_country": "GB", "holiday_subdivision": "ZZZ"},
                "unknown holiday",
            ),
            ("subdivision alone", {"holiday_subdivision": "ENG"}, "needs a holiday_country"),
            ("datetime holiday", {"extra_holidays": frozenset({datetime(2026, 1, 2)})}, "not datetimes"),
        ],
    )
    def test_rejects_bad_settings(self, case: str, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            replace(NY_OFFICE, **kwargs)

    @pytest.mark.parametrize("naive_at", ["start", "end"])
    def test_elapsed_rejects_naive_instants(self, naive_at: str) -> None:
        aware, naive = ny(2026, 5, 12, 10), datetime(2026, 5, 12, 12)
        start, end = (naive, aware) if naive_at == "start" else (aware, naive)
        with pytest.raises(ValueError, match="timezone-aware"):
            elapsed(NY_OFFICE, start, end)

    def test_add_rejects_a_naive_start(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            add(NY_OFFICE, datetime(2026, 5, 12, 10), H)

    def test_rejects_instants_outside_the_supported_years(self) -> None:
        with pytest.raises(ValueError, match="years 1900-2199"):
            elapsed(NY_OFFICE, datetime(1, 1, 1, tzinfo=UTC), ny(2026, 5, 12))


class TestNoWorkingTime:
    def test_add_beyond_the_horizon_errors_clearly(self) -> None:
        with pytest.raises(ValueError, match="does not elapse within 3653 days"):
            add(ALWAYS_UTC, datetime(2026, 1, 1, tzinfo=UTC), HORIZON + H)

    def test_add_up_to_the_horizon_works(self) -> None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        assert add(ALWAYS_UTC, start, HORIZON) == start + HORIZON

    def test_a_calendar_closed_by_holidays_errors_instead_of_looping(self) -> None:
        mondays = frozenset(date(2025, 12, 29) + timedelta(weeks=n) for n in range(52 * 12))
        closed = BusinessCalendar("Europe/London", {0: ((time(9), time(17)),)}, extra_holidays=mondays)
        start = london(2026, 1, 1)
        assert elapsed(closed, start, london(2027, 1, 1)) == timedelta(0)
        with pytest.raises(ValueError, match="check its working hours and holidays"):
            add(closed, start, H)


class TestCalendarIsAValue:
    def test_equal_calendars_hash_alike_after_use(self) -> None:
        fresh = BusinessCalendar.office_hours("America/New_York", holiday_country="US")
        elapsed(NY_US, ny(2026, 1, 1), ny(2026, 2, 1))
        assert (fresh == NY_US, hash(fresh) == hash(NY_US), {fresh: 1}[NY_US]) == (True, True, 1)

    def test_weekly_hours_given_as_lists_equal_tuples(self) -> None:
        as_lists = BusinessCalendar("UTC", {0: [[time(9), time(17)]]})  # type: ignore[list-item]
        assert as_lists == BusinessCalendar("UTC", {0: ((time(9), time(17)),)})

    def test_differs_by_hours(self) -> None:
        assert SPLIT_SHIFT != LONDON_OFFICE

    def test_weekly_hours_are_read_only(self) -> None:
        with pytest.raises(TypeError):
            NY_OFFICE.weekly_hours[5] = ((time(9), time(17)),)  # type: ignore[index]

    def test_survives_copy_and_pickle(self) -> None:
        elapsed(NY_US, ny(2026, 1, 1), ny(2026, 2, 1))
        for clone in (copy.deepcopy(NY_US), pickle.loads(pickle.dumps(NY_US))):
            assert clone == NY_US
            assert elapsed(clone, ny(2026, 7, 2, 16), ny(2026, 7, 6, 10)) == 2 * H


# --- properties ----------------------------------------------------------------------------------------

CALENDARS = [
    NY_US,
    LONDON_ENGLAND,
    SPLIT_SHIFT,
    BusinessCalendar(
        "America/New_York",
        {**{d: ((time(9), time(17)),) for d in range(5)}, 6: ((time(0), time(6)), (time(22), time(0)))},
        holiday_country="US",
    ),
    LORD_HOWE,
    SANTIAGO,
    LONDON_ALL_WEEKEND,
    ALWAYS_UTC,
]
ZONES = [UTC, NEW_YORK, LONDON, ZoneInfo("Asia/Kolkata"), timezone(timedelta(hours=-3, minutes=-30))]
PROPERTY = settings(max_examples=200, deadline=None)

calendars = st.sampled_from(CALENDARS)
# Every instant an SLA clock may use (EARLIEST to CLOCK_LATEST), not a comfortable slice; beyond: TestOutOfRange.
instants = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None), max_value=CLOCK_LATEST.replace(tzinfo=None) - US, timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


class TestProperties:
    @PROPERTY
    @given(calendars, instants, instants, instants)
    def test_elapsed_is_additive(
        self, calendar: BusinessCalendar, x: datetime, y: datetime, z: datetime
    ) -> None:
        a, b, c = sorted((x, y, z))
        assert elapsed(calendar, a, b) + elapsed(calendar, b, c) == elapsed(calendar, a, c)

    @PROPERTY
    @given(calendars, instants, instants)
    def test_elapsed_is_antisymmetric_and_bounded_by_real_time(
        self, calendar: BusinessCalendar, x: datetime, y: datetime
    ) -> None:
        a, b = sorted((x, y))
        forward = elapsed(calendar, a, b)
        assert timedelta(0) <= forward <= b - a
        assert elapsed(calendar, b, a) == -forward

    @PROPERTY
    @given(calendars, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), st.data())
    def test_add_inverts_elapsed_inside_working_hours(
        self, calendar: BusinessCalendar, before: timedelta, data: st.DataObject
    ) -> None:
        b = data.draw(working_instants(calendar))
        assume(elapsed(calendar, b - US, b + US) == 2 * US)  # strictly inside, even on a DST day
        a = b - before
        spent = elapsed(calendar, a, b)
        assume(spent > timedelta(0))
        # In UTC: Python never calls a datetime in a repeated (DST-fold) hour equal to one of another zone.
        assert add(calendar, a, spent).astimezone(UTC) == b.astimezone(UTC)

    @PROPERTY
    @given(calendars, instants, durations)
    def test_elapsed_inverts_add(self, calendar: BusinessCalendar, a: datetime, d: timedelta) -> None:
        assert elapsed(calendar, a, add(calendar, a, d)) == d

    @PROPERTY
    @given(calendars, instants, durations, durations)
    def test_add_is_monotonic_and_never_before_start(
        self, calendar: BusinessCalendar, a: datetime, d1: timedelta, d2: timedelta
    ) -> None:
        shorter, longer = sorted((d1, d2))
        assert a <= add(calendar, a, shorter) <= add(calendar, a, longer)

    @PROPERTY
    @given(calendars, instants, instants, durations, st.sampled_from(ZONES), st.sampled_from(ZONES))
    def test_results_ignore_the_zone_the_instants_are_written_in(
        self,
        calendar: BusinessCalendar,
        a: datetime,
        b: datetime,
        d: timedelta,
        zone_a: object,
        zone_b: object,
    ) -> None:
        a_local, b_local = a.astimezone(zone_a), b.astimezone(zone_b)  # type: ignore[arg-type]
        assert elapsed(calendar, a_local, b_local) == elapsed(calendar, a, b)
        assert add(calendar, a_local, d) == add(calendar, a, d)

    @settings(max_examples=60, deadline=None)
    @example(CALENDARS[3], datetime(2026, 3, 7, 12), 2 * 24 * 60)
    @example(CALENDARS[3], datetime(2026, 10, 31, 12), 2 * 24 * 60)
    @example(LONDON_ALL_WEEKEND, datetime(2026, 3, 28, 12), 2 * 24 * 60)
    @example(LONDON_ALL_WEEKEND, datetime(2026, 10, 24, 12), 2 * 24 * 60)
    @example(LORD_HOWE, datetime(2026, 4, 4, 6), 24 * 60)
    @example(LORD_HOWE, datetime(2026, 10, 3, 6), 24 * 60)
    @example(SANTIAGO, datetime(2026, 4, 4), 3 * 24 * 60)
    @example(SANTIAGO, datetime(2026, 9, 5), 3 * 24 * 60)
    @given(
        st.sampled_from(CALENDARS),
        st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 28)),
        st.integers(min_value=0, max_value=3 * 24 * 60),
    )
    def test_elapsed_matches_a_minute_by_minute_count(
        self, calendar: BusinessCalendar, start: datetime, minutes: int
    ) -> None:
        a = start.replace(second=0, microsecond=0, tzinfo=UTC)
        expected = sum(_works_at(calendar, a + n * MINUTE) for n in range(minutes)) * MINUTE
        assert elapsed(calendar, a, a + minutes * MINUTE) == expected


@st.composite
def working_instants(draw: st.DrawFn, calendar: BusinessCalendar) -> datetime:
    """An instant whose local wall time lies inside one of the calendar's intervals on a working day."""
    day = draw(st.dates(min_value=date(1900, 3, 15), max_value=date(2189, 12, 29)))  # room for 60 days before
    intervals = calendar.weekly_hours[day.weekday()]
    assume(intervals and not calendar.is_holiday(day))
    start, end = draw(st.sampled_from(intervals))
    end_us = _day_us(end) or 86_400 * 10**6
    offset = draw(st.integers(min_value=_day_us(start) + 1, max_value=end_us - 1))
    wall = datetime.combine(day, time(0)) + timedelta(microseconds=offset)
    return wall.replace(tzinfo=ZoneInfo(calendar.timezone))


def _day_us(wall: time) -> int:
    return ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 10**6 + wall.microsecond


def _works_at(calendar: BusinessCalendar, instant: datetime) -> bool:
    """Slow oracle: is the minute starting at `instant` worked, judged by the local wall clock?"""
    local = instant.astimezone(ZoneInfo(calendar.timezone))
    if calendar.is_holiday(local.date()):
        return False
    wall = local.time()
    return any(
        start <= wall and (end == time(0) or wall < end)
        for start, end in calendar.weekly_hours[local.weekday()]
    )


# Any instant at all: the whole of datetime's range, in any fixed offset (a CRM's 0001-01-01, 9999-12-31, +14:00).
any_instants = st.datetimes(timezones=st.just(UTC) | st.sampled_from(ZONES[1:]) | st.timezones())
OUT_OF_RANGE = "instants must lie in the years 1900-2199"


class TestOutOfRange:
    @PROPERTY
    @example(CALENDARS[0], datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), timedelta(hours=4))
    @example(CALENDARS[0], datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))), timedelta(hours=4))
    @example(CALENDARS[0], datetime(2199, 12, 31, 12, tzinfo=UTC), timedelta(hours=40))
    @given(calendars, any_instants, durations)
    def test_add_answers_inside_the_range_or_refuses_with_one_clear_error(
        self, calendar: BusinessCalendar, start: datetime, duration: timedelta
    ) -> None:
        try:
            due = add(calendar, start, duration)
        except ValueError as exc:
            assert not clock_range(start), exc
            assert str(exc) == OUT_OF_RANGE
            return
        assert in_range(start) and start <= due < LATEST
        assert elapsed(calendar, start, due) == duration

    @PROPERTY
    @given(calendars, any_instants, any_instants)
    def test_elapsed_answers_inside_the_range_or_refuses_with_one_clear_error(
        self, calendar: BusinessCalendar, a: datetime, b: datetime
    ) -> None:
        if in_range(a) and in_range(b):
            assert elapsed(calendar, a, b) == -elapsed(calendar, b, a)
        else:
            with pytest.raises(ValueError, match=OUT_OF_RANGE):
                elapsed(calendar, a, b)

    def test_the_range_edges(self) -> None:
        calendar = CALENDARS[0]
        assert elapsed(calendar, EARLIEST, EARLIEST) == timedelta(0)
        assert clock_range(CLOCK_LATEST - US) and not clock_range(CLOCK_LATEST)
        with pytest.raises(ValueError, match=OUT_OF_RANGE):
            elapsed(calendar, EARLIEST - US, EARLIEST)
        with pytest.raises(ValueError, match=OUT_OF_RANGE):
            elapsed(calendar, LATEST, LATEST)
        # A deadline never lies beyond LATEST: it is refused like a start beyond it, with the same words.
        with pytest.raises(ValueError, match=OUT_OF_RANGE):
            add(calendar, LATEST - timedelta(hours=1), timedelta(hours=8))
