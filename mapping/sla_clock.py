"""The SLA clock of one lead in one stage: due, at-risk and breach instants in business time.

Pure: `now` is a parameter, and work after `now` is ignored (as-of semantics).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from mapping.business_time import BusinessCalendar, measure

__all__ = ["SlaClock", "SlaPolicy", "SlaState", "evaluate_sla"]

_ZERO = timedelta(0)


class SlaState(StrEnum):
    """Where a lead stands against its stage's service level."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A stage's service level: `budget` of business time, warning once `warn_at` of it has elapsed."""

    budget: timedelta
    warn_at: float = 0.75
    warning: timedelta = field(init=False, repr=False, compare=False)
    """The business time after which an unworked lead is at risk (`budget * warn_at`)."""

    def __post_init__(self) -> None:
        if self.budget <= _ZERO:
            raise ValueError(f"SLA budget must be positive, got {self.budget}")
        if not 0 < self.warn_at <= 1:
            raise ValueError(f"SLA warn_at must be a fraction in (0, 1], got {self.warn_at}")
        object.__setattr__(self, "warning", self.budget * self.warn_at)


class SlaClock(NamedTuple):
    """The clock as of `now`. `elapsed` runs to `worked_at` once worked, else to `now` (never negative).

    `breached_at` is `due_at` for `breached` and `missed`, else None. Instants are UTC.
    """

    # A NamedTuple, not a frozen dataclass: the latter's __init__ alone costs a quarter of the
    # 10 µs budget per evaluation (bench/business_time.py).

    state: SlaState
    started_at: datetime
    started_estimated: bool
    worked_at: datetime | None
    due_at: datetime
    at_risk_at: datetime
    breached_at: datetime | None
    elapsed: timedelta
    remaining: timedelta


def evaluate_sla(
    calendar: BusinessCalendar,
    policy: SlaPolicy,
    started_at: datetime,
    started_estimated: bool,
    work_instants: Iterable[datetime],
    now: datetime,
) -> SlaClock:
    """Evaluate the clock that started at `started_at` (entry into the stage) as of `now`.

    Only the first work at or after `started_at` and not after `now` stops the clock; earlier work belonged
    to an earlier stage. A start later than `now` (clock skew) gives an on-track clock with nothing elapsed.
    """
    worked_at = _first_work(work_instants, started_at, now)
    deadlines, spent = measure(calendar, started_at, (policy.budget, policy.warning), worked_at or now)
    due_at, at_risk_at = deadlines
    spent = max(_ZERO, spent)
    state = _state(worked_at, due_at, at_risk_at, now)
    return SlaClock(
        state,
        started_at.astimezone(UTC),
        started_estimated,
        worked_at and worked_at.astimezone(UTC),
        due_at,
        at_risk_at,
        due_at if state is SlaState.BREACHED or state is SlaState.MISSED else None,
        spent,
        policy.budget - spent if spent < policy.budget else _ZERO,
    )


def _first_work(work_instants: Iterable[datetime], started_at: datetime, now: datetime) -> datetime | None:
    first = None
    try:
        for instant in work_instants:
            if started_at <= instant <= now and (first is None or instant < first):
                first = instant
    except TypeError as exc:
        raise ValueError("started_at, work instants and now must be timezone-aware datetimes") from exc
    return first


def _state(worked_at: datetime | None, due_at: datetime, at_risk_at: datetime, now: datetime) -> SlaState:
    if worked_at is not None:
        return SlaState.MET if worked_at <= due_at else SlaState.MISSED
    if now >= due_at:
        return SlaState.BREACHED
    return SlaState.AT_RISK if now >= at_risk_at else SlaState.ON_TRACK
