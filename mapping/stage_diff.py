"""Provisioning diff: the stage values the definition writes that a live picklist lacks (DESIGN §7).

Values are only ever added, never removed or renamed; the full resulting list keeps every live value in its
place (whole-list update APIs drop whatever is left out) and slots new values in by rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mapping.definition.compiled import CompiledDefinition


@dataclass(frozen=True, slots=True)
class PicklistValue:
    value: str
    label: str
    description: str | None = None
    active: bool = True
    stage: str | None = None  # the definition stage this value reads as, when known


@dataclass(frozen=True, slots=True)
class StageDiff:
    system: str
    field: str
    to_add: tuple[PicklistValue, ...]
    full: tuple[PicklistValue, ...]

    @property
    def empty(self) -> bool:
        return not self.to_add


def diff_stages(
    compiled: CompiledDefinition, system: str, field: str, live: Sequence[PicklistValue]
) -> StageDiff:
    view = compiled.systems[system]
    read = next((f.read for f in view.mapping.stage_fields if f.field == field), {})
    present = {item.value.casefold() for item in live}
    wanted = _written_values(compiled, system, field)
    to_add = [
        PicklistValue(value, value, compiled.stage(stage).definition, True, stage)
        for stage, value in wanted
        if value.casefold() not in present
    ]
    full = [replace(item, stage=item.stage or read.get(item.value)) for item in live]
    for item in to_add:
        full.insert(_slot(compiled, full, item), item)
    return StageDiff(system, field, tuple(to_add), tuple(full))


def _written_values(compiled: CompiledDefinition, system: str, field: str) -> list[tuple[str, str]]:
    """(stage, value) for every stage that writes `field`, ladder by rank first, then side stages."""
    mapping = compiled.systems[system].mapping
    ordered = [*compiled.ladder, *(s.key for s in compiled.definition.stages if s.side)]
    pairs = []
    for stage in ordered:
        value = (mapping.write_values(stage) or {}).get(field)
        if value:
            pairs.append((stage, value))
    return pairs


def _slot(compiled: CompiledDefinition, full: list[PicklistValue], item: PicklistValue) -> int:
    """Before the first ladder value of a higher rank; side stages (and unanchored values) go last."""
    if item.stage in compiled.side or item.stage is None:
        return len(full)
    rank = compiled.rank(item.stage)
    for index, existing in enumerate(full):
        if existing.stage is not None and existing.stage not in compiled.side and compiled.rank(existing.stage) > rank:
            return index
    ladder_positions = [i for i, e in enumerate(full) if e.stage is not None and e.stage not in compiled.side]
    return ladder_positions[-1] + 1 if ladder_positions else len(full)
