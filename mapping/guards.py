"""Safety guards over a plan, as pure functions: blast radius, loop detection and reverted holds (locks are read per
record)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mapping.plan import Correction, Skipped, SkipReason


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """How many records a plan would change, against the configured ceiling (count and share)."""

    records: int
    population: int
    max_records: int
    max_share: float
    share_floor: int = 50  # below this many records the share is not judged (5 of 8 changed leads is no mass change)

    @property
    def share(self) -> float:
        return self.records / self.population if self.population else 0.0

    @property
    def exceeded(self) -> bool:
        too_many = self.records > self.max_records
        return too_many or (self.records >= self.share_floor and self.share > self.max_share)

    def describe(self) -> str:
        return (f"{self.records} of {self.population} records ({self.share:.1%}) would change; "
                f"the limit is {self.max_records} records or {self.max_share:.0%}")


def blast_radius(
    corrections: Iterable[Correction], population: int, max_records: int, max_share: float, share_floor: int = 50
) -> BlastRadius:
    records = len({(c.system, c.record_id) for c in corrections})
    return BlastRadius(records, population, max_records, max_share, share_floor)


def hold_back_loops(
    corrections: Sequence[Correction],
    recent: Mapping[tuple[str, str], Sequence[datetime]],
    as_of: datetime,
    window: timedelta,
    limit: int,
) -> tuple[list[Correction], list[Skipped]]:
    """Drop corrections of records already corrected `limit` times within `window` (someone fights us)."""
    since = as_of - window
    looping = {key for key, times in recent.items() if sum(1 for t in times if t >= since) >= limit}
    return hold_back(corrections, looping, SkipReason.LOOP)


def hold_back(
    corrections: Sequence[Correction], held: Iterable[tuple[str, str]], reason: SkipReason
) -> tuple[list[Correction], list[Skipped]]:
    """Drop the corrections of `held` records; one skip per record, with `reason`."""
    holding = set(held)
    kept = [c for c in corrections if (c.system, c.record_id) not in holding]
    skipped: dict[tuple[str, str], Skipped] = {}
    for c in corrections:
        if (c.system, c.record_id) in holding:
            skipped[(c.system, c.record_id)] = Skipped(c.system, c.record_id, c.stage_before, c.stage_after, reason)
    return kept, list(skipped.values())
