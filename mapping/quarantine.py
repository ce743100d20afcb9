"""Collects what normalization could not use (unmapped stage values, garbage fields) for the run report.

Garbage values are quarantined one by one, with the record and field (`UNPARSEABLE_DATETIME` on a Lead's
`CreatedDate`): the record is still planned without them, and people can find and fix each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mapping.records import CanonicalLead, ProblemKind

SAMPLE_SIZE = 5
VALUE_PROBLEMS = frozenset({ProblemKind.UNPARSEABLE_DATETIME, ProblemKind.UNPARSEABLE_NUMBER,
                            ProblemKind.UNPARSEABLE_BOOLEAN, ProblemKind.OVERSIZED_VALUE})


@dataclass(frozen=True, slots=True)
class QuarantinedValue:
    """One raw value a run could not use: where it is, why (`code`, e.g. UNPARSEABLE_DATETIME) and a safe excerpt."""

    system: str
    record_id: str
    field: str
    code: str
    value: str | None

    def as_dict(self) -> dict[str, Any]:
        """The finding as the plan and the run's findings show it (JSON-ready)."""
        return {"system": self.system, "record_id": self.record_id, "field": self.field, "code": self.code,
                "value": self.value}


@dataclass(frozen=True, slots=True)
class UnmappedValue:
    system: str
    field: str
    value: str
    count: int
    sample_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The finding as the plan and the run's findings show it (JSON-ready)."""
        return {"system": self.system, "field": self.field, "value": self.value, "count": self.count,
                "sample_ids": list(self.sample_ids)}


@dataclass
class Quarantine:
    """Counts problems by kind and unmapped stage values by (system, field, value), with a few sample ids."""

    problems: Counter[tuple[str, str]] = field(default_factory=Counter)  # (system, kind) -> records
    _unmapped: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    _unmapped_count: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    values: list[QuarantinedValue] = field(default_factory=list)  # every garbage value, with its record and field

    def add(self, leads: Iterable[CanonicalLead]) -> None:
        for lead in leads:
            for problem in lead.problems:
                self.problems[(lead.system, problem.kind.value)] += 1
                if problem.kind in VALUE_PROBLEMS:
                    self.values.append(QuarantinedValue(lead.system, lead.record_id, problem.field,
                                                        problem.kind.value.upper(), problem.raw))
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
