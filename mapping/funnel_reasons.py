"""Each record's drift reason with its history, so the "why they differ" table can be counted at each period's end.

Pure. A sync records each record's stage and reason as of its run (`as_of`): that row holds until a later run sees
another. Before leadsync first saw a record its reason is unknown: where its own stage then differed from its
person's stage by the definition (as the funnel's stays say), it counts as `UNKNOWN`, not as a reason no run saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mapping.funnel_periods import PeriodKind, local_day, period_number

if TYPE_CHECKING:
    from mapping.funnel import RecordFacts, Segment

UNKNOWN = "unknown"  # the record differed from the definition before leadsync first saw it: why is not known
Stay = tuple[int, int | None, str | None]  # (since, until or None, stage)


@dataclass(frozen=True, slots=True)
class ReasonStay:
    """A record's own stage and drift reason ("" when it agrees) from `since_s` until `until_s` (None: still), with
    the month and week numbers (`mapping.funnel_periods.period_number`) of both, as the store counts by them."""

    system: str
    record_id: str
    since_s: int
    until_s: int | None
    stage: str | None
    reason: str
    since_m: int
    until_m: int | None
    since_w: int
    until_w: int | None


def record_reasons(record: RecordFacts, own: Sequence[Segment], person: Sequence[Segment],
                   zone: ZoneInfo) -> list[ReasonStay]:
    """The record's rows as a run makes them: its unknown past (where its stays differ from its person's before the
    run), then its stage and reason as of the run."""
    mine = [(s.entered_s, s.left_s, s.stage) for s in sorted(own, key=_seq)]
    theirs = [(s.entered_s, s.left_s, s.stage) for s in sorted(person, key=_seq)]
    past = [_stay(record, since, until, stage, UNKNOWN, zone)
            for since, until, stage in differing(mine, theirs, record.as_of_s)]
    return [*past, _stay(record, record.as_of_s, None, record.stage, record.reason, zone)]


def differing(own: Sequence[Stay], person: Sequence[Stay], before: int) -> list[tuple[int, int, str | None]]:
    """The spans before `before` in which the record's own stage is not its person's (no stage before the person's
    path begins), one per own stage: (since, until, the record's stage)."""
    cuts = sorted({at for since, until, _ in (*own, *person) for at in (since, until) if at is not None and at < before})
    found: list[tuple[int, int, str | None]] = []
    for start, end in pairwise([*cuts, before]):
        mine, theirs = _holding(own, start), _holding(person, start)
        if mine is None or mine[2] == (theirs[2] if theirs else None):
            continue
        if found and found[-1][1] == start and found[-1][2] == mine[2]:
            found[-1] = (found[-1][0], end, mine[2])
        else:
            found.append((start, end, mine[2]))
    return found


def _holding(stays: Sequence[Stay], instant: int) -> Stay | None:
    return next((s for s in stays if s[0] <= instant and (s[1] is None or instant < s[1])), None)


def reason_changes(open_row: ReasonStay | None, rows: Sequence[ReasonStay]) -> tuple[ReasonStay | None, list[ReasonStay]]:
    """How a run's rows of one record (`record_reasons`) join its history, given its open row (None: first seen):
    the open row changed (closed by the run's, or replaced when the run is not later), and the rows to add."""
    current = rows[-1]
    if open_row is None:
        return None, list(rows)
    if (open_row.stage, open_row.reason) == (current.stage, current.reason):
        return None, []
    if current.since_s <= open_row.since_s:
        return replace(open_row, stage=current.stage, reason=current.reason), []
    closed = replace(open_row, until_s=current.since_s, until_m=current.since_m, until_w=current.since_w)
    return closed, [current]


def _stay(record: RecordFacts, since: int, until: int | None, stage: str | None, reason: str,
          zone: ZoneInfo) -> ReasonStay:
    month, week = _numbers(zone, since)
    until_m, until_w = _numbers(zone, until) if until is not None else (None, None)
    return ReasonStay(record.system, record.record_id, since, until, stage, reason, month, until_m, week, until_w)


def _numbers(zone: ZoneInfo, instant: int) -> tuple[int, int]:
    day = local_day(zone, instant)
    return period_number(PeriodKind.MONTH, day), period_number(PeriodKind.WEEK, day)


def _seq(segment: Segment) -> int:
    return segment.seq
