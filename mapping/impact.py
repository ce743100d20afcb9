"""What adopting a new definition would change, lead by lead: the pure comparison behind `definitions impact`.

The flows replay the same leads through both definitions and hand each lead's outcome here; this module
compares them: a transition matrix of resolved stages, corrections per system, SLA states that flip, new
definition violations, and the stage values provisioning would have to create.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mapping.compiled import CompiledDefinition
from mapping.plan import Plan

Key = tuple[str, str]
BREACHED = "breached"
SAMPLE = 20  # lead ids listed per change; counts are always complete


@dataclass(frozen=True, slots=True)
class LeadOutcome:
    """One lead under one definition: resolved stage, writes per system, SLA state, violation."""

    stage: str | None
    corrections: tuple[str, ...] = ()  # systems that would be written
    sla_state: str | None = None
    violation: bool = False


def plan_outcomes(plan: Plan, partners: Mapping[Key, Key]) -> dict[Key, LeadOutcome]:
    """Like `outcomes`, with corrections of a lead's partner record (the other system) counted for the lead."""
    by_lead: dict[Key, set[str]] = {}
    for correction in plan.corrections:
        record = (correction.system, correction.record_id)
        by_lead.setdefault(partners.get(record, record), set()).add(correction.system)
    sla = {(e.system, e.record_id): e.state.value for e in plan.sla}
    violations = {(v.system, v.record_id) for v in plan.violations}
    return {key: LeadOutcome(stage, tuple(sorted(by_lead.get(key, set()))), sla.get(key), key in violations)
            for key, stage in plan.resolved.items()}


@dataclass
class Impact:
    old_version: str
    new_version: str
    leads: int = 0
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old stage, new stage) -> leads
    corrections_old: Counter[str] = field(default_factory=Counter)  # system -> leads written under the old
    corrections_new: Counter[str] = field(default_factory=Counter)
    changed: list[Key] = field(default_factory=list)  # leads whose stage, writes, SLA state or violation differ
    stage_changed: list[Key] = field(default_factory=list)
    newly_breached: list[Key] = field(default_factory=list)
    no_longer_breached: list[Key] = field(default_factory=list)
    new_violations: list[Key] = field(default_factory=list)
    resolved_violations: list[Key] = field(default_factory=list)
    only_old: int = 0  # leads one definition sees and the other does not (e.g. a mapping dropped a value)
    only_new: int = 0
    values_to_create: dict[str, list[str]] = field(default_factory=dict)  # system -> write values to provision

    def as_dict(self) -> dict[str, Any]:
        """Stable JSON shape for tools (keys sorted, lead lists capped at SAMPLE with full counts)."""
        def ids(keys: list[Key]) -> dict[str, Any]:
            return {"count": len(keys), "sample": [f"{s}:{r}" for s, r in sorted(keys)[:SAMPLE]]}

        return {
            "old_version": self.old_version, "new_version": self.new_version, "leads": self.leads,
            "transition_matrix": [{"from": a, "to": b, "leads": n} for (a, b), n in sorted(self.matrix.items())],
            "corrections": {s: {"old": self.corrections_old[s], "new": self.corrections_new[s]}
                            for s in sorted(set(self.corrections_old) | set(self.corrections_new))},
            "leads_changed": ids(self.changed), "stage_changed": ids(self.stage_changed),
            "newly_breached": ids(self.newly_breached), "no_longer_breached": ids(self.no_longer_breached),
            "new_violations": ids(self.new_violations), "resolved_violations": ids(self.resolved_violations),
            "only_under_old": self.only_old, "only_under_new": self.only_new,
            "values_to_create": {s: v for s, v in sorted(self.values_to_create.items())},
        }


def compare(old: Mapping[Key, LeadOutcome], new: Mapping[Key, LeadOutcome], old_version: str, new_version: str,
            values_to_create: Mapping[str, list[str]] | None = None) -> Impact:
    impact = Impact(old_version, new_version, values_to_create=dict(values_to_create or {}))
    impact.only_old = len(set(old) - set(new))
    impact.only_new = len(set(new) - set(old))
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        impact.leads += 1
        impact.matrix[(_stage(before), _stage(after))] += 1
        impact.corrections_old.update(before.corrections if before else ())
        impact.corrections_new.update(after.corrections if after else ())
        if before != after:
            impact.changed.append(key)
        if _stage(before) != _stage(after):
            impact.stage_changed.append(key)
        _flips(impact, key, before, after)
    return impact


def _flips(impact: Impact, key: Key, before: LeadOutcome | None, after: LeadOutcome | None) -> None:
    was_breached = before is not None and before.sla_state == BREACHED
    is_breached = after is not None and after.sla_state == BREACHED
    if is_breached and not was_breached:
        impact.newly_breached.append(key)
    if was_breached and not is_breached:
        impact.no_longer_breached.append(key)
    was_violation, is_violation = bool(before and before.violation), bool(after and after.violation)
    if is_violation and not was_violation:
        impact.new_violations.append(key)
    if was_violation and not is_violation:
        impact.resolved_violations.append(key)


def _stage(outcome: LeadOutcome | None) -> str:
    if outcome is None:
        return "(not seen)"
    return outcome.stage or "(none)"


def values_to_create(new: CompiledDefinition, existing: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Per system, the write values of the new definition's stage fields that `existing` lacks, in rank order."""
    missing: dict[str, list[str]] = {}
    for system, view in new.systems.items():
        have = set(existing.get(system, ()))
        wanted: list[str] = []
        for stage in new.definition.stages:
            for value in (view.mapping.write_values(stage.key) or {}).values():
                if value and value not in have and value not in wanted:
                    wanted.append(value)
        if wanted:
            missing[system] = wanted
    return missing


def known_values(compiled: CompiledDefinition) -> dict[str, set[str]]:
    """Stage values a definition reads or writes: in a system it runs against, these exist already."""
    found: dict[str, set[str]] = {}
    for system, view in compiled.systems.items():
        values = found.setdefault(system, set())
        for stage_field in view.mapping.stage_fields:
            values.update(raw for raw in stage_field.read)
        for stage in compiled.definition.stages:
            values.update(v for v in (view.mapping.write_values(stage.key) or {}).values() if v)
    return found
