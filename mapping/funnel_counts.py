"""The funnel's counts over its rows, as the state store answers them (the SQL store in SQL, the fake with these).

Pure. Every function takes the period bounds (`mapping.funnel_periods.bounds`) and a grouping (`none`, `owner`,
`source`) and returns small aggregate rows; `mapping.funnel_stats` turns them into the funnel's tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, TypeVar

from mapping.funnel import DEFINITION, SIDE_BASE, RecordFacts, Segment
from mapping.funnel_periods import end_index, period_index
from mapping.funnel_reasons import ReasonStay

GROUPINGS = ("none", "owner", "source")
MEDIAN = (1, 2)  # nearest-rank quantiles as fractions: ceil(n * 1 / 2), ceil(n * 9 / 10)
P90 = (9, 10)
_Row = TypeVar("_Row", bound=tuple[object, ...])


class EntryCount(NamedTuple):
    """People who entered a stage in a period (each once, however often they entered it there)."""

    period: int
    code: int
    group: str | None
    people: int


class SpanCount(NamedTuple):
    """Stays of a view in a stage that began by the end of period `entered_by` and ended by the end of `left_by`
    (len(bounds) - 1: not ended in range): a stay counts at the end of period i when entered_by <= i < left_by."""

    view: str
    code: int
    group: str | None
    entered_by: int
    left_by: int
    stays: int


class CohortCount(NamedTuple):
    """People who entered stage `code` in a period (each once), by where they went after (within the funnel's range):
    the highest ladder stage entered later (`best`) and the first side stage entered later (`side`), None if none.
    Summed over `best` and `side`, they are the period's entries (`entries_of_cohorts`)."""

    period: int
    code: int
    group: str | None
    best: int | None
    side: int | None
    people: int


class VelocityCount(NamedTuple):
    """Business seconds people took to step up into ladder stage `code` (from the one below) in the range."""

    code: int
    group: str | None
    steps: int
    median_s: int
    p90_s: int


class ReasonCount(NamedTuple):
    """Records of a system at `stage` (as it records it) that differ from the definition at the end of a period, by
    why (`mapping.funnel.Reason`; unknown before leadsync first saw them)."""

    period: int
    system: str
    stage: str | None
    reason: str
    records: int


class SlaCount(NamedTuple):
    """SLA clocks started in a period, by stage, owner and state."""

    period: int
    stage: str
    owner: str | None
    state: str
    clocks: int


def ordered(rows: Iterable[_Row]) -> list[_Row]:
    """Rows sorted field by field, None first (so the fake and the SQL store answer alike)."""
    return sorted(rows, key=lambda row: tuple((value is not None, value) for value in row))


def nearest_rank(count: int, quantile: tuple[int, int]) -> int:
    """The 1-based position of a quantile in `count` sorted values (nearest rank: ceil(count * q))."""
    numerator, denominator = quantile
    return max(1, (count * numerator + denominator - 1) // denominator)


def group_of(segment: Segment | RecordFacts, by: str) -> str | None:
    return segment.owner if by == "owner" else segment.source if by == "source" else None


def entry_counts(segments: Iterable[Segment], edges: Sequence[int], by: str) -> list[EntryCount]:
    people: dict[tuple[int, int, str | None], set[str]] = defaultdict(set)
    for s in segments:
        period = period_index(edges, s.entered_s) if s.view == DEFINITION and s.code else None
        if period is not None:
            people[(period, s.code, group_of(s, by))].add(s.key)
    return ordered(EntryCount(p, c, g, len(keys)) for (p, c, g), keys in people.items())


def span_counts(segments: Iterable[Segment], edges: Sequence[int], by: str) -> list[SpanCount]:
    counts: Counter[tuple[str, int, str | None, int, int]] = Counter()
    for s in segments:
        entered_by = end_index(edges, s.entered_s)
        if entered_by < len(edges) - 1 and (s.left_s is None or s.left_s >= edges[1]):
            group = group_of(s, by) if s.view == DEFINITION else None
            counts[(s.view, s.code, group, entered_by, end_index(edges, s.left_s))] += 1
    return ordered(SpanCount(*key, n) for key, n in counts.items())


def cohort_counts(segments: Iterable[Segment], edges: Sequence[int], by: str) -> list[CohortCount]:
    paths: dict[str, list[Segment]] = defaultdict(list)
    for s in segments:
        if s.view == DEFINITION and edges[0] <= s.entered_s < edges[-1]:
            paths[s.key].append(s)
    counts: Counter[tuple[int, int, str | None, int | None, int | None]] = Counter()
    for path in paths.values():
        path.sort(key=lambda s: s.seq)
        for i, s in enumerate(path):
            period = period_index(edges, s.entered_s)
            if period is None or s.code == 0 or _repeat(s, edges, period):
                continue
            later = path[i + 1 :]
            best = max((x.code for x in later if 0 < x.code < SIDE_BASE), default=None)
            side = next((x.code for x in later if x.code >= SIDE_BASE), None)
            counts[(period, s.code, group_of(s, by), best, side)] += 1
    return ordered(CohortCount(*key, n) for key, n in counts.items())


def _repeat(s: Segment, edges: Sequence[int], period: int) -> bool:
    """A re-entry into a stage the person already entered earlier in the same period (counted once, at the first)."""
    return s.prev_same_s is not None and s.prev_same_s >= edges[period]


def velocity_counts(segments: Iterable[Segment], edges: Sequence[int], by: str) -> list[VelocityCount]:
    steps: dict[tuple[int, str | None], list[int]] = defaultdict(list)
    for s in segments:
        if s.view == DEFINITION and s.prior_s is not None and edges[0] <= s.entered_s < edges[-1]:
            steps[(s.code, group_of(s, by))].append(s.prior_s)
    return quantiles(steps)


def quantiles(steps: dict[tuple[int, str | None], list[int]]) -> list[VelocityCount]:
    """The median and 90th percentile of each (code, group)'s step times (sorts the lists in place)."""
    found = []
    for (code, group), values in steps.items():
        values.sort()
        n = len(values)
        found.append(VelocityCount(code, group, n, values[nearest_rank(n, MEDIAN) - 1], values[nearest_rank(n, P90) - 1]))
    return ordered(found)


def reason_counts(stays: Iterable[ReasonStay], edges: Sequence[int]) -> list[ReasonCount]:
    """Each record's reason in force at each period's end (`mapping.funnel_reasons`), agreeing records left out."""
    counts: Counter[tuple[int, str, str | None, str]] = Counter()
    for s in stays:
        if s.reason:
            for period in range(end_index(edges, s.since_s), end_index(edges, s.until_s)):
                counts[(period, s.system, s.stage, s.reason)] += 1
    return ordered(ReasonCount(*key, n) for key, n in counts.items())


LEFT = "left"  # an ended clock's state when the lead left the stage before its due time with no work logged
_RUNNING = ("on_track", "at_risk")


def ends_clock(stage: str, started_at: datetime, entry_stage: str, entry_started_at: datetime) -> bool:
    """A lead's new clock (another stage, or the same stage entered again) ends the one kept before it."""
    return stage != entry_stage or abs((started_at - entry_started_at).total_seconds()) >= 1


def ended_state(state: str) -> str:
    """The state an ended clock is counted in: as last evaluated, except that a running one was left in time."""
    return LEFT if state in _RUNNING else state


def sla_counts(clocks: Iterable[tuple[datetime, str, str | None, str]], edges: Sequence[int]) -> list[SlaCount]:
    """`clocks`: (started_at, stage, owner, state) of each SLA clock."""
    counts: Counter[tuple[int, str, str | None, str]] = Counter()
    for started, stage, owner, state in clocks:
        period = period_index(edges, int(started.timestamp()))
        if period is not None:
            counts[(period, stage, owner, state)] += 1
    return ordered(SlaCount(*key, n) for key, n in counts.items())
