"""Collects what normalization could not use (unmapped stage values, garbage fields) for the run report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mapping.records import CanonicalLead, ProblemKind

SAMPLE_SIZE = 5


@dataclass(frozen=True, slots=True)
class UnmappedValue:
    system: str
    field: str
    value: str
    count: int
    sample_ids: tuple[str, ...]


@dataclass
class Quarantine:
    """Counts problems by kind and unmapped stage values by (system, field, value), with a few sample ids."""

    problems: Counter[tuple[str, str]] = field(default_factory=Counter)  # (system, kind) -> records
    _unmapped: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    _unmapped_count: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, leads: Iterable[CanonicalLead]) -> None:
        for lead in leads:
            for problem in lead.problems:
                self.problems[(lead.system, problem.kind.value)] += 1
                if problem.kind is ProblemKind.UNMAPPED_STAGE and problem.raw is not None:
                    key = (lead.system, problem.field, problem.raw)
                    self._unmapped_count[key] += 1
                    samples = self._unmapped.setdefault(key, [])
                    if len(samples) < SAMPLE_SIZE:
                        samples.append(lead.record_id)

    @property
    def unmapped(self) -> list[UnmappedValue]:
        return [
            UnmappedValue(system, raw_field, value, self._unmapped_count[(system, raw_field, value)], tuple(samples))
            for (system, raw_field, value), samples in sorted(self._unmapped.items())
        ]
