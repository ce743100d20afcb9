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

__all__ = ["CLOCK_LATEST", "EARLIEST", "HORIZON", "LATEST", "BusinessCalendar", "Interval", "add", "add_many",
           "clock_range", "elapsed", "in_range", "measure"]

Interval = tuple[time, time]
WeekHours = tuple[tuple[Interval, ...], ...]

HORIZON = timedelta(days=3653)
"""How far `add` may look ahead (10 years); beyond it the calendar is treated as having no working time."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_US_PER_DAY = 86_400_000_000
_HORIZON_US = HORIZON.days * _US_PER_DAY
_MIDNIGHT = time(0)
_YEARS = range(1900, 2200)  # a guard: a CRM's 0001-01-01 must not build tables for 2,000 years
EARLIEST = datetime(_YEARS.start, 1, 1, tzinfo=UTC)
LATEST = datetime(_YEARS.stop, 1, 1, tzinfo=UTC)
"""Every instant the calendar takes or gives lies in [EARLIEST, LATEST) (UTC); others raise ValueError."""
CLOCK_LATEST = LATEST - HORIZON
"""A clock may start before this: any deadline `add` can reach from there (HORIZON at most) is before LATEST."""
_EARLIEST_US = (EARLIEST - _EPOCH) // timedelta(microseconds=1)
_LATEST_US = (LATEST - _EPOCH) // timedelta(microseconds=1)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class _Timeline:
    """Consecutive local years in UTC microseconds since the epoch; positions count from its first day."""

    first_year: int
    last_year: int
    midnights: tuple[int, ...]  # local midnight starting each day, plus the one ending the last day
    days: tuple[tuple[tuple[int, int], ...], ...]  # working intervals of each day: sorted, disjoint
    cumulative: tuple[int, ...]  # business microseconds before each day; the last item is the total


@dataclass(slots=True)
class _Cache:
    """Lazily computed, derived data; never part of a calendar's value."""

    holidays: dict[int, frozenset[date]] = field(default_factory=dict)
    years: dict[int, _Timeline] = field(default_factory=dict)
    timeline: _Timeline | None = None


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
    _cache: _Cache = field(default_factory=_Cache, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        week = _normalize_week(self.weekly_hours)
        object.__setattr__(self, "_week", week)
        object.__setattr__(self, "weekly_hours", MappingProxyType(dict(enumerate(week))))
        object.__setattr__(self, "_zone", _load_zone(self.timezone))
        object.__setattr__(self, "extra_holidays", _normalize_dates(self.extra_holidays))
        _check_country(self.holiday_country, self.holiday_subdivision)

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[object, ...]]:
        # Rebuild from the constructor's arguments: the read-only hours view cannot be pickled.
        arguments = (
            self.timezone,
            dict(enumerate(self._week)),
            self.holiday_country,
            self.holiday_subdivision,
        )
        return type(self), (*arguments, self.extra_holidays)

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
        found = self._cache.holidays.get(year)
        if found is None:
            found = _load_holidays(self.holiday_country, self.holiday_subdivision, year)
            self._cache.holidays[year] = found
        return found

    def _timeline(self, first_year: int, last_year: int, base: _Timeline | None) -> _Timeline:
        """A timeline spanning at least the given years; it keeps `base`'s origin unless it starts earlier."""
        if base is not None:
            first_year, last_year = min(first_year, base.first_year), max(last_year, base.last_year)
        years = [self._year(year) for year in range(first_year, last_year + 1)]
        timeline = _join(years)
        self._cache.timeline = timeline
        return timeline

    def _year(self, year: int) -> _Timeline:
        table = self._cache.years.get(year)
        if table is None:
            table = self._cache.years[year] = self._build_year(year)
        return table

    def _build_year(self, year: int) -> _Timeline:
        closed = self.extra_holidays | self._country_holidays(year)
        first, last = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
        midnights = tuple(self._utc_us(date.fromordinal(o), _MIDNIGHT) for o in range(first, last + 1))
        days: list[tuple[tuple[int, int], ...]] = []
        for index, ordinal in enumerate(range(first, last)):
            day = date.fromordinal(ordinal)
            bounds = (midnights[index], midnights[index + 1])
            days.append(() if day in closed else self._day_intervals(day, bounds))
        return _Timeline(year, year, midnights, tuple(days), _running_total(days))

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
    shift spanning a DST switch is an hour shorter or longer than its wall-clock length. Both instants must lie in
    [EARLIEST, LATEST) (else ValueError).
    """
    return measure(calendar, start, (), end)[1]


def add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest UTC instant by which `duration` of business time has elapsed after `start`.

    Outside working hours the clock waits for the next working interval; an interval's end is a valid
    answer (4 h from Friday 13:00 on 09:00–17:00 is Friday 17:00, not Monday 09:00). Zero gives `start`.
    Raises ValueError for a negative duration, a start outside [EARLIEST, LATEST), or when the answer lies beyond
    `HORIZON` after `start` or beyond LATEST.
    """
    return add_many(calendar, start, (duration,))[0]


def add_many(
    calendar: BusinessCalendar, start: datetime, durations: Sequence[timedelta]
) -> tuple[datetime, ...]:
    """`add` for several durations from one start (locates `start` once)."""
    return measure(calendar, start, durations, None)[0]


def measure(
    calendar: BusinessCalendar, start: datetime, durations: Sequence[timedelta], until: datetime | None
) -> tuple[tuple[datetime, ...], timedelta]:
    """`add_many(start, durations)` and `elapsed(start, until)` in one pass: the SLA clock's hot path.

    The elapsed part is zero when `until` is None.
    """
    start_us = _checked_us(start)
    until_us = start_us if until is None else _checked_us(until)
    low, high = (start_us, until_us) if start_us <= until_us else (until_us, start_us)
    timeline = _covering(calendar, low, high)
    position = _position(timeline, start_us)
    spent = _position(timeline, until_us) - position if until_us != start_us else 0
    deadlines = [_advance(calendar, timeline, start_us, position, span) for span in durations]
    return tuple(deadlines), timedelta(0, 0, spent)


def _advance(
    calendar: BusinessCalendar, timeline: _Timeline, start_us: int, position: int, span: timedelta
) -> datetime:
    target = position + _td_us(span)
    if target <= position:
        if target < position:
            raise ValueError(f"business duration must not be negative, got {span}")
        return _EPOCH + timedelta(0, 0, start_us)
    if timeline.cumulative[-1] < target:
        timeline = _reaching(calendar, timeline, target, start_us, span)
    instant = _instant_at(timeline, target)
    if instant - start_us > _HORIZON_US:
        raise _beyond_horizon(calendar, span)
    if instant >= _LATEST_US:
        raise _out_of_range()
    return _EPOCH + timedelta(0, 0, instant)


def _covering(calendar: BusinessCalendar, low_us: int, high_us: int) -> _Timeline:
    timeline = calendar._cache.timeline
    if timeline is not None and timeline.midnights[0] <= low_us and high_us < timeline.midnights[-1]:
        return timeline
    first_year, last_year = _utc_year(low_us), _utc_year(high_us)
    if first_year < _YEARS.start or last_year >= _YEARS.stop:
        raise _out_of_range()
    # UTC and local years differ only around New Year, so one spare year each side covers the local day.
    return calendar._timeline(first_year - 1, last_year + 1, timeline)


def _reaching(
    calendar: BusinessCalendar, timeline: _Timeline, target: int, start_us: int, duration: timedelta
) -> _Timeline:
    """`timeline`, extended forward (same origin) until its business time reaches `target`."""
    last_year = _utc_year(start_us + _HORIZON_US) + 1
    while timeline.cumulative[-1] < target:
        if timeline.last_year >= last_year:
            raise _beyond_horizon(calendar, duration)
        timeline = calendar._timeline(timeline.first_year, timeline.last_year + 1, timeline)
    return timeline


def _position(timeline: _Timeline, us: int) -> int:
    """Business microseconds from the start of `timeline` up to `us` (which it must cover)."""
    index = bisect_right(timeline.midnights, us) - 1
    position = timeline.cumulative[index]
    for start, end in timeline.days[index]:
        if start >= us:
            break
        position += (min(us, end)) - start
    return position


def _instant_at(timeline: _Timeline, position: int) -> int:
    """The first instant whose position reaches `position` (> 0 and within the timeline)."""
    index = bisect_left(timeline.cumulative, position) - 1
    remaining = position - timeline.cumulative[index]
    for start, end in timeline.days[index]:
        if remaining <= end - start:
            return start + remaining
        remaining -= end - start
    raise AssertionError("cumulative business time out of step with its days")  # pragma: no cover


def _join(years: Sequence[_Timeline]) -> _Timeline:
    midnights = [years[0].midnights[0]]
    days: list[tuple[tuple[int, int], ...]] = []
    for year in years:
        midnights.extend(year.midnights[1:])
        days.extend(year.days)
    cumulative = _running_total(days)
    return _Timeline(years[0].first_year, years[-1].last_year, tuple(midnights), tuple(days), cumulative)


def _running_total(days: Sequence[tuple[tuple[int, int], ...]]) -> tuple[int, ...]:
    totals = [0]
    for intervals in days:
        totals.append(totals[-1] + sum(end - start for start, end in intervals))
    return tuple(totals)


def _beyond_horizon(calendar: BusinessCalendar, duration: timedelta) -> ValueError:
    return ValueError(
        f"{duration} of business time does not elapse within {HORIZON.days} days on the"
        f" {calendar.timezone} calendar; check its working hours and holidays"
    )


def in_range(instant: datetime) -> bool:
    """Whether business time can be measured at this aware instant (UTC years 1900-2199)."""
    return EARLIEST <= instant < LATEST


def clock_range(instant: datetime) -> bool:
    """Whether an SLA clock can start, stop or be read at this aware instant: in range, with HORIZON to spare for
    its deadlines (so 1900-01-01 to 2189-12-31)."""
    return EARLIEST <= instant < CLOCK_LATEST


def _checked_us(instant: datetime) -> int:
    """`_to_us` of an instant given to the public functions: inside [EARLIEST, LATEST), else ValueError."""
    us = _to_us(instant)
    if not _EARLIEST_US <= us < _LATEST_US:
        raise _out_of_range()
    return us


def _to_us(instant: datetime) -> int:
    try:
        return _td_us(instant - _EPOCH)
    except TypeError:
        if isinstance(instant, datetime) and instant.utcoffset() is None:
            raise ValueError(f"instant must be timezone-aware, got naive {instant.isoformat()}") from None
        raise


def _out_of_range() -> ValueError:
    return ValueError(f"instants must lie in the years {_YEARS.start}-{_YEARS.stop - 1}")


def _td_us(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def _utc_year(us: int) -> int:
    return date.fromordinal(_EPOCH_ORDINAL + us // _US_PER_DAY).year


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
