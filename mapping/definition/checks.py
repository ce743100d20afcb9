"""Cross-checks of a structurally valid definition: the rules a single field's type cannot express.

Each check returns located issues; all of them run, so an author sees every problem at once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import date, datetime, time

import holidays

from mapping.definition.api_names import api_name_problem
from mapping.definition.models import WEEKDAYS, Calendar, Condition, CriteriaGroup, Lifecycle, Stage, SystemMapping
from mapping.definition.yaml_source import LocatedDocument, Path
from mapping.errors import DefinitionIssue
from mapping.fields import (
    CANONICAL_FIELDS,
    DERIVED_FIELDS,
    LIST_OPERATORS,
    OPERATORS_BY_TYPE,
    VALUELESS_OPERATORS,
    FieldType,
)
from mapping.stage_reading import read_stage

Issues = Iterator[DefinitionIssue]


def check_definition(
    lifecycle: Lifecycle,
    calendar: Calendar,
    systems: dict[str, SystemMapping],
    documents: dict[str, LocatedDocument],
) -> list[DefinitionIssue]:
    issues = list(_check_lifecycle(lifecycle, documents["lifecycle.yaml"]))
    issues += _check_calendar(calendar, documents["calendar.yaml"])
    for name, mapping in systems.items():
        issues += _check_system(name, mapping, lifecycle, documents[f"{name}.yaml"])
    return issues


# --- lifecycle -------------------------------------------------------------------------------------------


def _check_lifecycle(lifecycle: Lifecycle, doc: LocatedDocument) -> Issues:
    stages = lifecycle.stages
    yield from _unique_keys_and_ranks(stages, doc)
    ladder = {s.key for s in stages if not s.side}
    if not ladder:
        yield doc.issue(("stages",), "at least one stage must be on the ladder (not side: true)")
    for index, stage in enumerate(stages):
        yield from _check_stage_shape(index, stage, ladder, doc)
        if stage.criteria is not None:
            yield from _check_group(stage.criteria, ("stages", index, "criteria"), doc)
    if lifecycle.converted_stage not in ladder:
        yield doc.issue(
            ("converted_stage",),
            f"{lifecycle.converted_stage!r} is not a ladder stage; converted leads need one of {sorted(ladder)}",
        )


def _unique_keys_and_ranks(stages: list[Stage], doc: LocatedDocument) -> Issues:
    keys: dict[str, int] = {}
    ranks: dict[int, int] = {}
    for index, stage in enumerate(stages):
        if stage.key in keys:
            yield doc.issue(("stages", index, "key"), f"stage key {stage.key!r} is already used by stages[{keys[stage.key]}]")
        keys.setdefault(stage.key, index)
        if stage.rank is not None and not stage.side:
            if stage.rank in ranks:
                yield doc.issue(("stages", index, "rank"), f"rank {stage.rank} is already used by stages[{ranks[stage.rank]}]")
            ranks.setdefault(stage.rank, index)


def _check_stage_shape(index: int, stage: Stage, ladder: set[str], doc: LocatedDocument) -> Issues:
    at: Path = ("stages", index)
    if stage.side:
        if stage.rank is not None:
            yield doc.issue((*at, "rank"), "a side stage sits off the ladder and has no rank")
        if stage.reenter_at is None:
            yield doc.issue(at, "a side stage needs reenter_at: the ladder stage a lead returns to on new evidence")
        elif stage.reenter_at not in ladder:
            yield doc.issue((*at, "reenter_at"), f"{stage.reenter_at!r} is not a ladder stage; use one of {sorted(ladder)}")
        for position, source in enumerate(stage.allowed_from):
            if source not in ladder:
                yield doc.issue((*at, "from", position), f"{source!r} is not a ladder stage; use one of {sorted(ladder)}")
        return
    if stage.rank is None:
        yield doc.issue(at, "a ladder stage needs a rank (its place in the funnel), or side: true")
    if stage.reenter_at is not None or stage.allowed_from:
        yield doc.issue(at, "reenter_at and from apply to side stages only; ladder stages move forward freely")


def _check_group(group: CriteriaGroup, at: Path, doc: LocatedDocument) -> Issues:
    if not group.all and not group.any:
        yield doc.issue(at, "criteria need at least one condition under 'all' or 'any'")
    for kind in ("all", "any"):
        for index, node in enumerate(getattr(group, kind)):
            path: Path = (*at, kind, index)
            if isinstance(node, CriteriaGroup):
                yield from _check_group(node, path, doc)
            else:
                yield from _check_condition(node, path, doc)


def _check_condition(condition: Condition, at: Path, doc: LocatedDocument) -> Issues:
    if condition.field not in CANONICAL_FIELDS:
        known = ", ".join(sorted(CANONICAL_FIELDS))
        yield doc.issue((*at, "field"), f"unknown canonical field {condition.field!r}; known fields: {known}")
        return
    field_type = CANONICAL_FIELDS[condition.field][0]
    if condition.op not in OPERATORS_BY_TYPE[field_type]:
        allowed = ", ".join(sorted(OPERATORS_BY_TYPE[field_type]))
        message = f"operator {condition.op.value!r} does not apply to {field_type.value} field {condition.field!r}"
        yield doc.issue((*at, "op"), f"{message}; use one of {allowed}")
        return
    yield from _check_operand(condition, field_type, at, doc)


def _check_operand(condition: Condition, field_type: FieldType, at: Path, doc: LocatedDocument) -> Issues:
    op, value = condition.op, condition.value
    if op in VALUELESS_OPERATORS:
        if value is not None:
            yield doc.issue((*at, "value"), f"operator {op.value!r} takes no value")
        return
    if value is None:
        yield doc.issue(at, f"operator {op.value!r} needs a value")
        return
    values = value if op in LIST_OPERATORS else [value]
    if op in LIST_OPERATORS and (not isinstance(value, list) or not value):
        yield doc.issue((*at, "value"), f"operator {op.value!r} needs a non-empty list of values")
        return
    for item in values:
        if not _operand_fits(field_type, item):
            yield doc.issue((*at, "value"), f"{item!r} is not a {field_type.value} value for field {condition.field!r}")


def _operand_fits(field_type: FieldType, value: object) -> bool:
    if field_type is FieldType.NUMBER:  # .nan and .inf read as floats, but no score compares meaningfully to them
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if field_type is FieldType.DATETIME:
        return isinstance(value, date | datetime)
    return isinstance(value, str)


# --- calendar --------------------------------------------------------------------------------------------


def _check_calendar(calendar: Calendar, doc: LocatedDocument) -> Issues:
    if not any(calendar.working_hours.get(day) for day in WEEKDAYS):
        yield doc.issue(("working_hours",), "no working hours on any day; SLA clocks could never run")
    for day, ranges in calendar.working_hours.items():
        yield from _overlaps(day, ranges, doc)
    yield from _check_holidays(calendar, doc)


def _overlaps(day: str, ranges: list[tuple[time, time]], doc: LocatedDocument) -> Issues:
    ordered = sorted(enumerate(ranges), key=lambda item: item[1][0])
    for (_, (_, end)), (index, (start, _)) in itertools.pairwise(ordered):
        if start < end:
            yield doc.issue(("working_hours", day, index), "this range overlaps another range of the same day")


def _check_holidays(calendar: Calendar, doc: LocatedDocument) -> Issues:
    spec = calendar.holidays
    if spec.country is None:
        if spec.subdivision is not None:
            yield doc.issue(("holidays", "subdivision"), "a subdivision needs a country")
        return
    supported = holidays.list_supported_countries()
    if spec.country not in supported:
        yield doc.issue(("holidays", "country"), f"unknown country code {spec.country!r}; use ISO 3166 alpha-2, e.g. US, GB, DE")
    elif spec.subdivision is not None and spec.subdivision not in supported[spec.country]:
        known = ", ".join(supported[spec.country][:12])
        yield doc.issue(("holidays", "subdivision"), f"unknown subdivision {spec.subdivision!r} of {spec.country} (e.g. {known})")


# --- system mappings -------------------------------------------------------------------------------------


def _check_system(name: str, mapping: SystemMapping, lifecycle: Lifecycle, doc: LocatedDocument) -> Issues:
    if mapping.system != name:
        yield doc.issue(("system",), f"this file maps {name}; system must be {name!r}")
    stage_keys = [s.key for s in lifecycle.stages]
    yield from _check_reads(mapping, stage_keys, doc)
    yield from _check_writes(mapping, lifecycle, doc)
    yield from _check_fields(mapping, doc)
    yield from _check_annotations(mapping, doc)
    yield from _check_api_names(name, mapping, doc)


def _check_reads(mapping: SystemMapping, stage_keys: list[str], doc: LocatedDocument) -> Issues:
    seen: set[str] = set()
    for index, stage_field in enumerate(mapping.stage_fields):
        if stage_field.field in seen:
            yield doc.issue(("stage_fields", index, "field"), f"field {stage_field.field!r} is listed twice")
        seen.add(stage_field.field)
        for raw, stage in stage_field.read.items():
            if stage is not None and stage not in stage_keys:
                message = f"maps to unknown stage {stage!r}; stages are {', '.join(stage_keys)}"
                yield doc.issue(("stage_fields", index, "read", raw), message)


def _check_writes(mapping: SystemMapping, lifecycle: Lifecycle, doc: LocatedDocument) -> Issues:
    stage_keys = [s.key for s in lifecycle.stages]
    for key in mapping.write:
        if key not in stage_keys:
            yield doc.issue(("write", key), f"unknown stage {key!r}; stages are {', '.join(stage_keys)}")
    for key in stage_keys:
        if key not in mapping.write:
            message = f"stage {key!r} has no write value; give exactly one, or null if leadsync must never write it here"
            yield doc.issue(("write",), message)
    yield from _check_write_shapes(mapping, doc)
    if not any(True for _ in _check_write_shapes(mapping, doc)):
        yield from _check_write_round_trip(mapping, lifecycle, doc)


def _check_write_shapes(mapping: SystemMapping, doc: LocatedDocument) -> Issues:
    stage_fields = [f.field for f in mapping.stage_fields]
    for key, value in mapping.write.items():
        if isinstance(value, str) and len(stage_fields) > 1:
            yield doc.issue(("write", key), f"several stage fields exist; write {{field: value}} using {stage_fields}")
        if isinstance(value, dict):
            if not value:
                yield doc.issue(("write", key), "an empty write value; give {field: value} or null")
            for field in value:
                if field not in stage_fields:
                    yield doc.issue(("write", key, field), f"{field!r} is not a stage field; use one of {stage_fields}")


def _check_write_round_trip(mapping: SystemMapping, lifecycle: Lifecycle, doc: LocatedDocument) -> Issues:
    ranks = {s.key: (None if s.side else s.rank) for s in lifecycle.stages}
    first_owner: dict[tuple[tuple[str, str], ...], str] = {}
    for key in mapping.write:
        values = mapping.write_values(key)
        if values is None or key not in ranks:
            continue
        signature = tuple(sorted(values.items()))
        if signature in first_owner:
            message = f"writes the same value as stage {first_owner[signature]!r}; each stage needs its own value"
            yield doc.issue(("write", key), message)
            continue
        first_owner[signature] = key
        reading = read_stage(mapping, ranks, values)
        if reading.stage != key:
            described = f"as {reading.stage!r}" if reading.stage else "as no stage"
            yield doc.issue(("write", key), f"the value written for {key!r} reads back {described}; add it to the read map")


def _check_fields(mapping: SystemMapping, doc: LocatedDocument) -> Issues:
    for canonical in mapping.fields:
        if canonical in DERIVED_FIELDS:
            yield doc.issue(("fields", canonical), f"{canonical!r} is derived by leadsync and cannot be mapped")
        elif canonical not in CANONICAL_FIELDS:
            known = ", ".join(sorted(set(CANONICAL_FIELDS) - DERIVED_FIELDS))
            yield doc.issue(("fields", canonical), f"unknown canonical field {canonical!r}; known fields: {known}")
    if "email" not in mapping.fields:
        yield doc.issue(("fields",), "email must be mapped: identities are matched on it")


def _check_annotations(mapping: SystemMapping, doc: LocatedDocument) -> Issues:
    """Annotation fields are leadsync's own: writing one over a stage, lock or mapped field would corrupt it."""
    if mapping.annotations is None:
        return
    roles = mapping.annotations.by_role()
    if not roles:
        yield doc.issue(("annotations",), "name at least one field (reason, sla_due), or remove the block")
    # Field names compare case-insensitively: Salesforce API names do.
    taken = {f.field.lower(): "a stage field" for f in mapping.stage_fields}
    for canonical, raw in mapping.fields.items():
        taken.setdefault(raw.lower(), f"mapped to {canonical!r}")
    if mapping.lock is not None:
        taken.setdefault(mapping.lock.field.lower(), "the lock field")
    seen: dict[str, str] = {}
    for role, name in roles.items():
        key = name.lower()
        if key in taken:
            yield doc.issue(("annotations", role), f"{name!r} is {taken[key]}; annotations need fields of their own")
        elif key in seen:
            yield doc.issue(("annotations", role), f"{name!r} is already the {seen[key]} field; each role needs its own")
        seen.setdefault(key, role)


def _check_api_names(system: str, mapping: SystemMapping, doc: LocatedDocument) -> Issues:
    """Every raw field name goes into queries (SOQL select lists, search properties): it must be an API name."""
    for path, name in _raw_field_names(mapping):
        problem = api_name_problem(system, name)
        if problem is not None:
            yield doc.issue(path, problem)


def _raw_field_names(mapping: SystemMapping) -> Iterator[tuple[Path, str]]:
    """(where, name) of every raw field the mapping names; write keys must be stage fields, checked above."""
    for index, stage_field in enumerate(mapping.stage_fields):
        yield ("stage_fields", index, "field"), stage_field.field
    for canonical, raw in mapping.fields.items():
        yield ("fields", canonical), raw
    if mapping.lock is not None:
        yield ("lock", "field"), mapping.lock.field
    if mapping.annotations is not None:
        for role, raw in mapping.annotations.by_role().items():
            yield ("annotations", role), raw
