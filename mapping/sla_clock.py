"""The SLA clock of one lead in one stage: due, at-risk and breach instants in business time.

Pure: `now` is a parameter, and work after `now` is ignored (as-of semantics).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from mapping.business_time import BusinessCalendar, add_many, elapsed

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

    def __post_init__(self) -> None:
        if self.budget <= _ZERO:
            raise ValueError(f"SLA budget must be positive, got {self.budget}")
        if not 0 < self.warn_at <= 1:
            raise ValueError(f"SLA warn_at must be a fraction in (0, 1], got {self.warn_at}")

    @property
    def warning(self) -> timedelta:
        """The business time after which an unworked lead is at risk."""
        return self.budget * self.warn_at


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The clock as of `now`. `elapsed` runs to `worked_at` once worked, else to `now` (never negative).

    `breached_at` is `due_at` for `breached` and `missed`, else None. Instants are UTC.
    """

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
    _aware(now, "now")
    due_at, at_risk_at = add_many(calendar, started_at, (policy.budget, policy.warning))
    worked_at = _first_work(work_instants, started_at, now)
    stopped_at = worked_at or now
    spent = max(elapsed(calendar, started_at, stopped_at), _ZERO)
    state = _state(worked_at, due_at, at_risk_at, now)
    late = state in (SlaState.BREACHED, SlaState.MISSED)
    return SlaClock(
        state=state,
        started_at=started_at.astimezone(UTC),
        started_estimated=started_estimated,
        worked_at=worked_at.astimezone(UTC) if worked_at else None,
        due_at=due_at,
        at_risk_at=at_risk_at,
        breached_at=due_at if late else None,
        elapsed=spent,
        remaining=max(policy.budget - spent, _ZERO),
    )


def _first_work(work_instants: Iterable[datetime], started_at: datetime, now: datetime) -> datetime | None:
    qualifying = [instant for instant in work_instants if started_at <= _aware(instant, "work instant") <= now]
    return min(qualifying, default=None)


def _state(worked_at: datetime | None, due_at: datetime, at_risk_at: datetime, now: datetime) -> SlaState:
    if worked_at is not None:
        return SlaState.MET if worked_at <= due_at else SlaState.MISSED
    if now >= due_at:
        return SlaState.BREACHED
    return SlaState.AT_RISK if now >= at_risk_at else SlaState.ON_TRACK


def _aware(instant: datetime, name: str) -> datetime:
    if instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant.isoformat()}")
    return instant
