"""The funnel's periods: calendar weeks (Monday first) or months in the definition's time zone, as epoch bounds.

Pure: the end of the last period (`until`) is a parameter. Period i is [bounds[i], bounds[i + 1]); the last one is cut
at `until`. "At period end" means at the last instant of the period: a stay counts when it began before the period's
end and had not ended before it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_PERIODS = 520  # ten years of weeks
FIRST_MONDAY = date(1970, 1, 5)  # week number 0


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime
    label: str


def funnel_periods(kind: PeriodKind, zone: ZoneInfo, until: datetime, since: date | None = None,
                   count: int = 12) -> tuple[Period, ...]:
    """The periods from the one holding `since` (default: `count` periods back) to `until` (exclusive).

    Raises ValueError when `since` is not before `until` or there would be more than MAX_PERIODS periods."""
    last = _period_start(kind, (until.astimezone(zone) - timedelta(microseconds=1)).date())  # holds until's last instant
    first = _period_start(kind, since) if since is not None else _step(kind, last, 1 - count)
    if _local(first, zone) >= until:
        raise ValueError(f"the funnel's start ({first.isoformat()}) is not before its end ({until.isoformat()})")
    starts = [first]
    while _local(_step(kind, starts[-1], 1), zone) < until:
        starts.append(_step(kind, starts[-1], 1))
        if len(starts) > MAX_PERIODS:
            raise ValueError(f"more than {MAX_PERIODS} periods: shorten the range or use monthly periods")
    ends = [_local(s, zone) for s in starts[1:]] + [until.astimezone(UTC)]
    return tuple(Period(_local(s, zone), end, _label(kind, s)) for s, end in zip(starts, ends, strict=True))


@dataclass(frozen=True, slots=True)
class PeriodGrid:
    """The funnel's periods as the store counts them: their kind, the number of the first one, their epoch bounds."""

    kind: PeriodKind
    first: int
    edges: tuple[int, ...]

    @property
    def periods(self) -> int:
        return len(self.edges) - 1

    @property
    def until(self) -> int:
        return self.edges[-1]


def period_grid(kind: PeriodKind, zone: ZoneInfo, periods: Sequence[Period]) -> PeriodGrid:
    return PeriodGrid(kind, period_number(kind, periods[0].start.astimezone(zone).date()), bounds(periods))


def period_number(kind: PeriodKind, day: date) -> int:
    """The number of the month or week holding a local day (months and weeks since 1970)."""
    if kind is PeriodKind.WEEK:
        return (day - FIRST_MONDAY).days // 7
    return day.year * 12 + day.month - 1


def local_day(zone: ZoneInfo, instant_s: int) -> date:
    return datetime.fromtimestamp(instant_s, zone).date()


def bounds(periods: Sequence[Period]) -> tuple[int, ...]:
    """Epoch seconds: each period's start, then the last period's end."""
    return (*(int(p.start.timestamp()) for p in periods), int(periods[-1].end.timestamp()))


def period_index(edges: Sequence[int], instant_s: int) -> int | None:
    """The period an instant falls in, or None outside them all."""
    if not edges or instant_s < edges[0] or instant_s >= edges[-1]:
        return None
    return bisect_right(edges, instant_s) - 1


def end_index(edges: Sequence[int], instant_s: int | None) -> int:
    """The first period whose end comes after the instant (len(edges) - 1 when none does, or for no instant)."""
    periods = len(edges) - 1
    if instant_s is None:
        return periods
    return min(periods, bisect_right(edges, instant_s, lo=1) - 1)


def _period_start(kind: PeriodKind, day: date) -> date:
    return day - timedelta(days=day.weekday()) if kind is PeriodKind.WEEK else day.replace(day=1)


def _step(kind: PeriodKind, start: date, periods: int) -> date:
    if kind is PeriodKind.WEEK:
        return start + timedelta(weeks=periods)
    months = start.year * 12 + start.month - 1 + periods
    return date(months // 12, months % 12 + 1, 1)


def _local(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _label(kind: PeriodKind, start: date) -> str:
    if kind is PeriodKind.MONTH:
        return f"{start:%Y-%m}"
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"
