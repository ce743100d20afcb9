"""Business-time arithmetic over a working calendar (hours, weekends, holidays, DST).

Pure: no I/O and no clock; every instant is a parameter. Computed per local day (O(days)), cached per year.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["HORIZON", "BusinessCalendar", "Interval", "add", "add_many", "elapsed"]

Interval = tuple[time, time]
WeekHours = tuple[tuple[Interval, ...], ...]

HORIZON = timedelta(days=3653)
"""How far `add` may look ahead (10 years); beyond it the calendar is treated as having no working time."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_US_PER_DAY = 86_400_000_000
_MIDNIGHT = time(0)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class _YearTable:
    """One local calendar year in UTC microseconds since the epoch."""

    midnights: tuple[int, ...]  # local midnight of each day, plus the next year's first midnight
    days: tuple[tuple[tuple[int, int], ...], ...]  # working intervals of each day, sorted, disjoint
    cumulative: tuple[int, ...]  # business microseconds before each day; the last item is the year total


@dataclass(frozen=True)
class BusinessCalendar:
    """Where and when work happens: an IANA time zone, weekly working hours and holidays.

    `weekly_hours` maps a weekday (0 = Monday … 6 = Sunday, as `date.weekday()`) to zero or more
    `(start, end)` intervals in local wall time; missing days are not worked. `end = time(0)` means
    midnight at the end of the day. Intervals must be ordered and must not overlap.
    Holidays are the public holidays of `holiday_country` (ISO code, optional `holiday_subdivision`,
    via the `holidays` package, observed days included) plus `extra_holidays`.

    Example: ``BusinessCalendar("Europe/London", {d: ((time(9), time(17)),) for d in range(5)}, "GB")``.
    Immutable and hashable; per-year tables are cached inside the instance and ignored by `==`.
    """

    timezone: str
    weekly_hours: Mapping[int, Sequence[Interval]] = field(compare=False, hash=False)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()
    _week: WeekHours = field(init=False, repr=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _years: dict[int, _YearTable] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _holidays: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        week = _normalize_week(self.weekly_hours)
        object.__setattr__(self, "_week", week)
        object.__setattr__(self, "weekly_hours", MappingProxyType(dict(enumerate(week))))
        object.__setattr__(self, "_zone", _load_zone(self.timezone))
        object.__setattr__(self, "extra_holidays", _normalize_dates(self.extra_holidays))
        _check_country(self.holiday_country, self.holiday_subdivision)

    @classmethod
    def office_hours(
        cls,
        timezone: str,
        *intervals: Interval,
        weekdays: Iterable[int] = range(5),
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        extra_holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """The same intervals on each of `weekdays` (default Mon–Fri); no intervals means 09:00–17:00."""
        day = intervals or ((time(9), time(17)),)
        return cls(
            timezone,
            {weekday: day for weekday in weekdays},
            holiday_country,
            holiday_subdivision,
            frozenset(extra_holidays),
        )

    def is_holiday(self, day: date) -> bool:
        """Whether `day` (a local date) is a holiday of this calendar."""
        return day in self.extra_holidays or day in self._country_holidays(day.year)

    def _country_holidays(self, year: int) -> frozenset[date]:
        found = self._holidays.get(year)
        if found is None:
            found = self._holidays[year] = _load_holidays(self.holiday_country, self.holiday_subdivision, year)
        return found

    def _year(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build_year(year)
        return table

    def _build_year(self, year: int) -> _YearTable:
        closed = self.extra_holidays | self._country_holidays(year)
        first, last = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
        midnights = tuple(self._utc_us(date.fromordinal(o), _MIDNIGHT) for o in range(first, last + 1))
        days = []
        for index, ordinal in enumerate(range(first, last)):
            day = date.fromordinal(ordinal)
            bounds = (midnights[index], midnights[index + 1])
            days.append(() if day in closed else self._day_intervals(day, bounds))
        cumulative = [0]
        for intervals in days:
            cumulative.append(cumulative[-1] + sum(end - start for start, end in intervals))
        return _YearTable(midnights, tuple(days), tuple(cumulative))

    def _day_intervals(self, day: date, bounds: tuple[int, int]) -> tuple[tuple[int, int], ...]:
        result: list[tuple[int, int]] = []
        for start, end in self._week[day.weekday()]:
            utc_start = max(self._utc_us(day, start), bounds[0], result[-1][1] if result else bounds[0])
            utc_end = bounds[1] if end == _MIDNIGHT else min(self._utc_us(day, end), bounds[1])
            # A wall time in a spring-forward gap can map past the next boundary: drop what collapses.
            if utc_end > utc_start:
                result.append((utc_start, utc_end))
        return tuple(result)

    def _utc_us(self, day: date, wall: time) -> int:
        # fold=0: an ambiguous wall time is its first occurrence; a skipped one moves forward by the gap.
        return _to_us(datetime.combine(day, wall, tzinfo=self._zone))


def elapsed(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time between two aware instants; negative when `end` is before `start` (antisymmetric).

    Only working intervals on non-holiday local days count; each is measured in real elapsed time, so a
    shift spanning a DST switch is an hour shorter or longer than its wall-clock length.
    """
    start_year, start_pos = _position(calendar, _to_us(start))
    end_year, end_pos = _position(calendar, _to_us(end))
    return timedelta(microseconds=_distance(calendar, start_year, start_pos, end_year, end_pos))


def add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest UTC instant by which `duration` of business time has elapsed after `start`.

    Outside working hours the clock waits for the next working interval; an interval's end is a valid
    answer (4 h from Friday 13:00 on 09:00–17:00 is Friday 17:00, not Monday 09:00). Zero gives `start`.
    Raises ValueError for a negative duration, or when the answer lies beyond `HORIZON`.
    """
    return add_many(calendar, start, (duration,))[0]


def add_many(
    calendar: BusinessCalendar, start: datetime, durations: Sequence[timedelta]
) -> tuple[datetime, ...]:
    """`add` for several durations from one start (locates `start` once; used for SLA deadlines)."""
    start_us = _to_us(start)
    year, pos = _position(calendar, start_us)
    return tuple(_from_us(_advance(calendar, start_us, year, pos, duration)) for duration in durations)


def _advance(calendar: BusinessCalendar, start_us: int, year: int, pos: int, duration: timedelta) -> int:
    amount = _td_us(duration)
    if amount < 0:
        raise ValueError(f"business duration must not be negative, got {duration}")
    if amount == 0:
        return start_us
    result = _instant_at(calendar, year, pos + amount, start_us)
    if result - start_us > _td_us(HORIZON):
        raise _beyond_horizon(calendar, duration)
    return result


def _position(calendar: BusinessCalendar, us: int) -> tuple[int, int]:
    """(local year, business microseconds from that year's start up to `us`)."""
    year = date.fromordinal(_EPOCH_ORDINAL + us // _US_PER_DAY).year
    table = calendar._year(year)
    if us < table.midnights[0]:
        year -= 1
        table = calendar._year(year)
    elif us >= table.midnights[-1]:
        year += 1
        table = calendar._year(year)
    index = bisect_right(table.midnights, us) - 1
    worked = sum(min(end, us) - start for start, end in table.days[index] if start < us)
    return year, table.cumulative[index] + worked


def _distance(calendar: BusinessCalendar, year_a: int, pos_a: int, year_b: int, pos_b: int) -> int:
    if year_a > year_b:
        return -_distance(calendar, year_b, pos_b, year_a, pos_a)
    between = sum(calendar._year(year).cumulative[-1] for year in range(year_a, year_b))
    return between + pos_b - pos_a


def _instant_at(calendar: BusinessCalendar, year: int, pos: int, start_us: int) -> int:
    """The first instant whose position in `year` reaches `pos` (> 0), rolling into later years."""
    table = calendar._year(year)
    last_year = year + HORIZON.days // 365 + 1
    while pos > table.cumulative[-1]:
        pos -= table.cumulative[-1]
        year += 1
        if year > last_year:
            raise _beyond_horizon(calendar, None)
        table = calendar._year(year)
    index = bisect_left(table.cumulative, pos) - 1
    remaining = pos - table.cumulative[index]
    for start, end in table.days[index]:
        if remaining <= end - start:
            return start + remaining
        remaining -= end - start
    raise AssertionError("cumulative table out of step with its days")  # pragma: no cover


def _beyond_horizon(calendar: BusinessCalendar, duration: timedelta | None) -> ValueError:
    amount = f" {duration}" if duration is not None else ""
    return ValueError(
        f"business time{amount} does not fit within {HORIZON.days} days on the {calendar.timezone} calendar;"
        " check its working hours and holidays"
    )


def _to_us(instant: datetime) -> int:
    if instant.utcoffset() is None:
        raise ValueError(f"instant must be timezone-aware, got naive {instant.isoformat()}")
    return _td_us(instant - _EPOCH)


def _td_us(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _normalize_week(weekly_hours: Mapping[int, Sequence[Interval]]) -> WeekHours:
    unknown = set(weekly_hours) - set(range(7))
    if unknown:
        raise ValueError(f"weekly_hours keys must be weekdays 0 (Mon) to 6 (Sun), got {sorted(unknown)}")
    week = tuple(_normalize_day(day, tuple(weekly_hours.get(day, ()))) for day in range(7))
    if not any(week):
        raise ValueError("calendar has no working hours on any weekday; business time could never elapse")
    return week


def _normalize_day(day: int, intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    for index, (start, end) in enumerate(intervals):
        if not (isinstance(start, time) and isinstance(end, time)) or start.tzinfo or end.tzinfo:
            raise ValueError(f"{_DAY_NAMES[day]}: working hours must be naive datetime.time pairs")
        if end != _MIDNIGHT and end <= start:
            raise ValueError(f"{_DAY_NAMES[day]}: interval {start}-{end} ends before it starts")
        previous_end = intervals[index - 1][1] if index else None
        if previous_end is not None and (previous_end == _MIDNIGHT or start < previous_end):
            raise ValueError(f"{_DAY_NAMES[day]}: intervals must be in order and must not overlap")
    return tuple((start, end) for start, end in intervals)


def _normalize_dates(dates: Iterable[date]) -> frozenset[date]:
    result = frozenset(dates)
    if any(isinstance(day, datetime) or not isinstance(day, date) for day in result):
        raise ValueError("extra_holidays must be dates, not datetimes")
    return result


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc


def _load_holidays(country: str | None, subdivision: str | None, year: int) -> frozenset[date]:
    if country is None:
        return frozenset()
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _check_country(country: str | None, subdivision: str | None) -> None:
    if country is None:
        if subdivision is not None:
            raise ValueError("holiday_subdivision needs a holiday_country")
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ValueError(f"unknown holiday country/subdivision {country!r}/{subdivision!r}") from exc
