"""The funnel's tables from the store's counts: entries, stage counts at period end, cohort conversion (with the
still-open share), velocity, SLA compliance trend, and the drift between each system's count and the definition's.

Pure. Stages are the definition's keys (codes from `mapping.funnel.StageCodes`); no stage name is written here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mapping.funnel import DEFINITION, NO_STAGE, StageCodes
from mapping.funnel_counts import CohortCount, EntryCount, ReasonCount, SlaCount, SpanCount, VelocityCount

OPEN = "open"  # a cohort's share still at its stage (neither further up the ladder nor in a side stage)
SYSTEMS = ("salesforce", "hubspot")
CLOSED = ("met", "missed", "breached")
RUNNING = ("on_track", "at_risk")

Cell = tuple[int, str | None, str | None]  # (period, stage, group)


@dataclass(frozen=True, slots=True)
class CohortRow:
    """Of the `entered` people who entered `stage` in `period`: the share that reached each later ladder stage
    (cumulative), the share that went to each side stage without climbing further, and the share still open.
    `outcomes` partitions the cohort (furthest later stage, else side stage, else open), so its shares sum to 1."""

    period: int
    stage: str
    group: str | None
    entered: int
    outcomes: dict[str, int]
    reached: dict[str, float]
    side: dict[str, float]
    open: float


@dataclass(frozen=True, slots=True)
class DriftRow:
    """At the end of `period`: how many records each system has in `stage` (None: no stage or an unmapped value),
    beside how many people the definition has there."""

    period: int
    stage: str | None
    systems: dict[str, int]
    definition: int


@dataclass(frozen=True, slots=True)
class SlaRow:
    period: int
    stage: str
    owner: str | None
    states: dict[str, int]

    @property
    def compliance(self) -> float | None:
        closed = sum(self.states.get(s, 0) for s in CLOSED)
        return self.states.get("met", 0) / closed if closed else None


@dataclass
class FunnelTables:
    entered: dict[Cell, int] = field(default_factory=dict)
    at_end: dict[Cell, int] = field(default_factory=dict)
    cohorts: list[CohortRow] = field(default_factory=list)
    velocity: list[tuple[str, str, str | None, int, int, int]] = field(default_factory=list)  # from, to, group, n, p50, p90
    sla: list[SlaRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    reasons: list[ReasonCount] = field(default_factory=list)


def entered_table(rows: Iterable[EntryCount], codes: StageCodes) -> dict[Cell, int]:
    return {(r.period, codes.stage(r.code), r.group): r.people for r in rows}


def entries_of_cohorts(rows: Iterable[CohortCount]) -> list[EntryCount]:
    """The people entering each stage per period: its cohorts, whatever became of them (one pass in the store)."""
    people: Counter[tuple[int, int, str | None]] = Counter()
    for r in rows:
        people[(r.period, r.code, r.group)] += r.people
    return [EntryCount(*key, n) for key, n in people.items()]


def at_end_series(spans: Iterable[SpanCount], periods: int) -> dict[tuple[str, int, str | None], list[int]]:
    """Per (view, code, group): the stays open at the end of each period."""
    series: dict[tuple[str, int, str | None], list[int]] = defaultdict(lambda: [0] * periods)
    for s in spans:
        counts = series[(s.view, s.code, s.group)]
        for period in range(s.entered_by, min(s.left_by, periods)):
            counts[period] += s.stays
    return dict(series)


def first_populated(series: dict[tuple[str, int, str | None], list[int]], sla: Iterable[SlaCount], periods: int) -> int:
    """The first period at whose end anyone is anywhere (in any view, no stage included) or in which an SLA clock
    started; the last period when there is none. The periods before it show nothing that existed yet."""
    found = [next((i for i, n in enumerate(counts) if n), periods) for counts in series.values()]
    return min([*found, *(r.period for r in sla), periods - 1])


def series_from(series: dict[tuple[str, int, str | None], list[int]], first: int
                ) -> dict[tuple[str, int, str | None], list[int]]:
    """The series from period `first` on (what the store counts over the periods from `first`)."""
    return {key: counts[first:] for key, counts in series.items()}


def sla_from(rows: Iterable[SlaCount], first: int) -> list[SlaCount]:
    """The SLA counts of the periods from `first` on, numbered from it."""
    return [r._replace(period=r.period - first) for r in rows if r.period >= first]


def at_end_table(series: dict[tuple[str, int, str | None], list[int]], codes: StageCodes) -> dict[Cell, int]:
    """The definition's people at each stage at each period's end (no-stage stays left out)."""
    return {(period, codes.stage(code), group): n for (view, code, group), counts in series.items()
            if view == DEFINITION and code != NO_STAGE for period, n in enumerate(counts) if n}


def cohort_rows(rows: Iterable[CohortCount], codes: StageCodes) -> list[CohortRow]:
    outcomes: dict[tuple[int, int, str | None], Counter[str]] = defaultdict(Counter)
    for r in rows:
        if not codes.is_side(r.code):  # a side stage's "cohort" has no later stage to reach
            outcomes[(r.period, r.code, r.group)][cohort_outcome(r, codes)] += r.people
    return [cohort_row(period, code, group, counts, codes)
            for (period, code, group), counts in sorted(outcomes.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or ""))]


def cohort_outcome(row: CohortCount, codes: StageCodes) -> str:
    """Where one cohort member went: the furthest later ladder stage, else the side stage, else still open."""
    if row.best is not None and row.best > row.code:
        return codes.stage(row.best) or OPEN
    if row.side is not None:
        return codes.stage(row.side) or OPEN
    return OPEN


def cohort_row(period: int, code: int, group: str | None, outcomes: Counter[str], codes: StageCodes) -> CohortRow:
    entered = sum(outcomes.values())
    later = [s for s in codes.ladder if codes.code(s) > code]
    reached = {s: sum(outcomes[t] for t in later if codes.code(t) >= codes.code(s)) / entered for s in later}
    side = {s: outcomes[s] / entered for s in codes.side}
    stage = codes.stage(code) or ""
    return CohortRow(period, stage, group, entered, dict(outcomes), reached, side, outcomes[OPEN] / entered)


def velocity_rows(rows: Iterable[VelocityCount], codes: StageCodes) -> list[tuple[str, str, str | None, int, int, int]]:
    found = []
    for r in sorted(rows, key=lambda r: (r.code, r.group or "")):
        before, after = codes.stage(r.code - 1), codes.stage(r.code)
        if before is not None and after is not None:
            found.append((before, after, r.group, r.steps, r.median_s, r.p90_s))
    return found


def sla_rows(rows: Iterable[SlaCount]) -> list[SlaRow]:
    states: dict[tuple[int, str, str | None], Counter[str]] = defaultdict(Counter)
    for r in rows:
        states[(r.period, r.stage, r.owner)][r.state] += r.clocks
    return [SlaRow(p, s, o, dict(c)) for (p, s, o), c in sorted(states.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or ""))]


def drift_rows(series: dict[tuple[str, int, str | None], list[int]], periods: int, codes: StageCodes) -> list[DriftRow]:
    """Per period and stage: each system's records there (as it records them) and the definition's people there.
    Every system's column sums to the records it held at the period's end (the no-stage row included)."""
    by_view: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * periods)
    for (view, code, _group), counts in series.items():
        total = by_view[(view, code)]
        for period, n in enumerate(counts):
            total[period] += n
    stage_codes = [codes.code(s) for s in (*codes.ladder, *codes.side)] + [NO_STAGE]
    return [DriftRow(period, codes.stage(code), {system: by_view[(system, code)][period] for system in SYSTEMS},
                     by_view[(DEFINITION, code)][period])
            for period in range(periods) for code in stage_codes]


def drift_totals(rows: Sequence[DriftRow], periods: int) -> list[dict[str, int]]:
    """Per period: each system's records and the definition's people (the column sums of `drift_rows`)."""
    totals = [dict.fromkeys((*SYSTEMS, DEFINITION), 0) for _ in range(periods)]
    for row in rows:
        for system, n in row.systems.items():
            totals[row.period][system] += n
        totals[row.period][DEFINITION] += row.definition
    return totals


def ranked_reasons(rows: Iterable[ReasonCount]) -> list[ReasonCount]:
    """Period by period; most records first within each system; ties by reason, then stage."""
    return sorted(rows, key=lambda r: (r.period, r.system, -r.records, r.reason, r.stage or ""))


def top_reasons(rows: Iterable[ReasonCount], period: int, limit: int = 3) -> dict[str, list[tuple[str, int]]]:
    """Per system, its `limit` most frequent reasons at the end of `period` over all stages, with their records."""
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r.period == period:
            totals[r.system][r.reason] += r.records
    return {system: sorted(c.items(), key=lambda i: (-i[1], i[0]))[:limit] for system, c in sorted(totals.items())}
