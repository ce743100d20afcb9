"""A definition prepared for the hot path: rank and owner tables, compiled criteria, per-system field plans."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from mapping.criteria import Predicate, compile_criteria
from mapping.definition.models import Definition, Owner, Stage, SystemMapping
from mapping.fields import CANONICAL_FIELDS, FieldType


@dataclass(frozen=True)
class FieldPlan:
    """Where a canonical field comes from in one system's raw record."""

    canonical: str
    raw: str
    path: tuple[str, ...]  # "Owner.Name" -> ("Owner", "Name")
    kind: FieldType


@dataclass(frozen=True)
class SystemView:
    name: str
    mapping: SystemMapping
    fields: tuple[FieldPlan, ...]
    lock_field: str | None
    lock_values: frozenset[str]
    stage_fields: tuple[str, ...]
    dotted: tuple[FieldPlan, ...]  # fields of a related record (e.g. Owner.Name), read through nested dicts
    specs: tuple[tuple[str, str, FieldType], ...]  # (canonical, raw, type): the hot loop's view of `fields`

    @property
    def raw_fields(self) -> tuple[str, ...]:
        """Every raw field a pull must fetch for this system (and nothing more)."""
        names = [*self.stage_fields, *(plan.raw for plan in self.fields)]
        if self.lock_field:
            names.append(self.lock_field)
        return tuple(dict.fromkeys(names))


class CompiledDefinition:
    """Everything normalize/resolve/plan look up per lead, computed once per definition."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.version = definition.version
        stages = definition.stages
        self.ranks: dict[str, int | None] = {s.key: (None if s.side else s.rank) for s in stages}
        self.owners: dict[str, Owner] = {s.key: s.owner for s in stages}
        self.side: frozenset[str] = frozenset(s.key for s in stages if s.side)
        self.ladder: tuple[str, ...] = tuple(s.key for s in definition.ladder)
        self.criteria: dict[str, Predicate] = {s.key: compile_criteria(s.criteria) for s in stages}
        self.converted_stage = definition.lifecycle.converted_stage
        self.systems: dict[str, SystemView] = {name: _view(name, m) for name, m in definition.systems.items()}

    @cached_property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone: a date-only value means that day there."""
        return ZoneInfo(self.definition.calendar.timezone)

    def stage(self, key: str) -> Stage:
        return self.definition.stage(key)

    def rank(self, stage: str | None) -> int:
        """Ladder rank; 0 for no stage or a side stage (they sit off the ladder)."""
        return (self.ranks.get(stage) or 0) if stage else 0

    def is_marketing(self, stage: str | None) -> bool:
        return stage is not None and self.owners.get(stage) is Owner.MARKETING

    @cached_property
    def marketing_ladder(self) -> tuple[str, ...]:
        """Marketing-owned ladder stages, lowest first."""
        return tuple(key for key in self.ladder if self.owners[key] is Owner.MARKETING)

    def as_marketing(self, stage: str | None) -> str | None:
        """A ladder stage as marketing evidence: itself when marketing-owned; for a sales-owned one, the highest
        marketing-owned stage below it (what the claim implies); None for no stage or a side stage."""
        if stage is None or stage in self.side:
            return None
        if self.is_marketing(stage):
            return stage
        below = [s for s in self.marketing_ladder if self.rank(s) < self.rank(stage)]
        return below[-1] if below else None

    def highest(self, *stages: str | None) -> str | None:
        """The highest-ranked ladder stage among `stages` (ties: the first)."""
        best: str | None = None
        for stage in stages:
            if stage is not None and stage not in self.side and (best is None or self.rank(stage) > self.rank(best)):
                best = stage
        return best


def _view(name: str, mapping: SystemMapping) -> SystemView:
    plans = tuple(
        FieldPlan(canonical, raw, tuple(raw.split(".")), CANONICAL_FIELDS[canonical][0])
        for canonical, raw in mapping.fields.items()
    )
    lock_values = frozenset(str(v).lower() for v in mapping.lock.values) if mapping.lock else frozenset()
    stage_fields = tuple(f.field for f in mapping.stage_fields)
    dotted = tuple(plan for plan in plans if len(plan.path) > 1)
    specs = tuple((plan.canonical, plan.raw, plan.kind) for plan in plans)
    lock_field = mapping.lock.field if mapping.lock else None
    return SystemView(name, mapping, plans, lock_field, lock_values, stage_fields, dotted, specs)


def compile_definition(definition: Definition) -> CompiledDefinition:
    return CompiledDefinition(definition)
