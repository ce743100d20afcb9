"""Raw Salesforce leads and HubSpot contacts to `CanonicalLead`s, using the definition's system mappings.

Never raises on garbage: bad values become None plus a typed `Problem`; unmapped stage values are reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mapping.convert import excerpt, fast_datetime, fast_text, normalize_email, to_boolean, to_number
from mapping.definition.compiled import CompiledDefinition, FieldPlan, SystemView
from mapping.fields import FieldType
from mapping.records import CanonicalLead, Problem, ProblemKind, StageEvent
from mapping.stage_reading import read_stage

RawEvent = tuple[datetime, str, str | None]  # (when, raw stage field, raw value)
HUBSPOT_ENTERED_PREFIX = "hs_v2_date_entered_"
CREATED_FIELDS = {"salesforce": "CreatedDate", "hubspot": "createdate"}  # read even when the definition maps neither


def normalize_salesforce(
    record: Mapping[str, Any],
    compiled: CompiledDefinition,
    history: Iterable[Mapping[str, Any]] = (),
    activities: Iterable[Mapping[str, Any]] = (),
) -> CanonicalLead:
    """A Lead as REST (nested, with `attributes`) or Bulk 2.0 CSV (flat strings) returns it.

    `history` holds its LeadHistory rows, `activities` its Task/Event rows (their CreatedDate is the work).
    """
    view = compiled.systems["salesforce"]
    stage_fields = view.stage_fields
    problems: list[Problem] = []
    events = [
        (when, str(row.get("Field")), _text_or_none(row.get("NewValue")))
        for row in history
        if row.get("Field") in stage_fields
        and (when := _instant(row.get("CreatedDate"), "LeadHistory.CreatedDate", problems)) is not None
    ]
    work = tuple(w for row in activities if (w := _instant(row.get("CreatedDate"), _activity(row), problems)) is not None)
    values = _with_related(record, view.dotted) if view.dotted else record
    return _normalize(view, compiled, str(record.get("Id") or ""), values, events, work, "LeadHistory", problems)


def _instant(raw: Any, name: str, problems: list[Problem]) -> datetime | None:
    """An evidence timestamp; one that is garbage or out of the calendar's years is a problem, never an error."""
    when, _, problem = fast_datetime(raw)
    if problem is not None:
        problems.append(Problem(problem, name, excerpt(raw)))
    return when


def _activity(row: Mapping[str, Any]) -> str:
    attributes = row.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, Mapping) else None
    return f"{kind if isinstance(kind, str) else 'Task/Event'}.CreatedDate"


def _with_related(record: Mapping[str, Any], dotted: tuple[FieldPlan, ...]) -> Mapping[str, Any]:
    """REST nests related fields ({"Owner": {"Name": ..}}); Bulk CSV flattens them ("Owner.Name")."""
    values = dict(record)
    for plan in dotted:
        if plan.raw not in values:
            value: Any = record
            for part in plan.path:
                value = value.get(part) if isinstance(value, Mapping) else None
            values[plan.raw] = value
    return values


def normalize_hubspot(contact: Mapping[str, Any], compiled: CompiledDefinition) -> CanonicalLead:
    """A contact as the CRM v3 API returns it: `id`, `properties`, optional `propertiesWithHistory`."""
    view = compiled.systems["hubspot"]
    properties: Mapping[str, Any] = contact.get("properties") or {}
    problems: list[Problem] = []
    events = list(_hubspot_events(view, properties, contact.get("propertiesWithHistory") or {}, problems))
    record_id = str(contact.get("id") or properties.get("hs_object_id") or "")
    return _normalize(view, compiled, record_id, properties, events, (), "HubSpot history", problems)


def hubspot_history_properties(compiled: CompiledDefinition) -> tuple[str, ...]:
    """The `hs_v2_date_entered_<value>` properties to fetch, one per mapped value of the first stage field."""
    view = compiled.systems["hubspot"]
    first = view.mapping.stage_fields[0]
    return tuple(f"{HUBSPOT_ENTERED_PREFIX}{value}" for value in first.read)


def _hubspot_events(
    view: SystemView, properties: Mapping[str, Any], with_history: Mapping[str, Any], problems: list[Problem]
) -> Iterable[RawEvent]:
    seen: set[RawEvent] = set()
    first_field = view.mapping.stage_fields[0].field
    for value in view.mapping.stage_fields[0].read:
        name = f"{HUBSPOT_ENTERED_PREFIX}{value}"
        when = _instant(properties.get(name), name, problems)
        if when is not None:
            seen.add((when, first_field, value))
    for stage_field in view.stage_fields:
        versions = with_history.get(stage_field)
        for version in versions if isinstance(versions, Sequence) else ():
            if not isinstance(version, Mapping):
                continue
            when = _instant(version.get("timestamp"), f"{stage_field} (history)", problems)
            if when is not None:
                seen.add((when, stage_field, _text_or_none(version.get("value"))))
    return seen


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _normalize(
    view: SystemView,
    compiled: CompiledDefinition,
    record_id: str,
    values: Mapping[str, Any],
    events: list[RawEvent],
    work: tuple[datetime, ...],
    history_source: str,
    problems: list[Problem],
) -> CanonicalLead:
    fields, date_only = _canonical_fields(view, values, problems)
    stage_values = {name: _text_or_none(values.get(name)) for name in view.stage_fields}
    reading = read_stage(view.mapping, compiled.ranks, stage_values)
    for raw_field, raw_value in reading.unmapped:
        problems.append(Problem(ProblemKind.UNMAPPED_STAGE, raw_field, excerpt(raw_value)))
    if reading.stage is None and not reading.unmapped:
        problems.append(Problem(ProblemKind.NO_STAGE, ",".join(view.stage_fields)))
    history = _stage_timeline(view, compiled, events, history_source) if events else ()
    lock_field = view.lock_field
    locked = lock_field is not None and str(values.get(lock_field)).lower() in view.lock_values
    return CanonicalLead(
        system=view.name,
        record_id=record_id,
        email=fields.get("email"),
        stage=reading.stage,
        stage_values=stage_values,
        fields=fields,
        stage_entered_at=_entered_at(reading.stage, history) or fields.get("stage_entered_at"),
        history=history,
        work=work,
        converted=fields.get("converted") is True,
        locked=locked or fields.get("locked") is True,
        problems=tuple(problems),
        date_only=date_only,
        created_at=_created_at(view, values, fields),
    )


def _created_at(view: SystemView, values: Mapping[str, Any], fields: Mapping[str, Any]) -> datetime | None:
    """The record's creation instant: the mapped `created_at`, else the system's own create field."""
    if "created_at" in view.mapping.fields:
        created = fields.get("created_at")
        return created if isinstance(created, datetime) else None
    raw_name = CREATED_FIELDS.get(view.name)
    return fast_datetime(values.get(raw_name))[0] if raw_name else None


_NO_DAYS: frozenset[str] = frozenset()


def _canonical_fields(
    view: SystemView, values: Mapping[str, Any], problems: list[Problem]
) -> tuple[dict[str, Any], frozenset[str]]:
    fields: dict[str, Any] = {"email_valid": False}
    date_only: list[str] = []
    get = values.get
    for canonical, raw_name, kind in view.specs:
        raw = get(raw_name)
        if kind is _DATETIME:
            fields[canonical], day_only, problem = fast_datetime(raw)
            if day_only:
                date_only.append(canonical)
        elif kind is _TEXT:
            fields[canonical], problem = fast_text(raw)
        elif kind is _EMAIL:
            email, valid, problem = normalize_email(raw)
            fields[canonical], fields["email_valid"] = email, valid
        else:
            fields[canonical], problem = _CONVERTERS[kind](raw)
        if problem is not None:
            problems.append(Problem(problem, raw_name, None if raw is None else excerpt(raw)))
    return fields, frozenset(date_only) if date_only else _NO_DAYS


_CONVERTERS = {FieldType.NUMBER: to_number, FieldType.BOOLEAN: to_boolean}
_DATETIME, _TEXT, _EMAIL = FieldType.DATETIME, FieldType.TEXT, FieldType.EMAIL


def _stage_timeline(
    view: SystemView, compiled: CompiledDefinition, events: list[RawEvent], source: str
) -> tuple[StageEvent, ...]:
    """Replay raw field changes in time order and keep the moments the combined stage changed."""
    if not events:
        return ()
    if len(events) == 1:
        when, raw_field, raw_value = events[0]
        stage = read_stage(view.mapping, compiled.ranks, {raw_field: raw_value}).stage
        return (StageEvent(stage, when, source),)
    values: dict[str, str | None] = {}
    timeline: list[StageEvent] = []
    current: str | None = None
    for when, raw_field, raw_value in sorted(events, key=lambda e: (e[0], e[1], e[2] or "")):
        values[raw_field] = raw_value
        stage = read_stage(view.mapping, compiled.ranks, values).stage
        if stage != current or not timeline:
            timeline.append(StageEvent(stage, when, source))
            current = stage
    return tuple(timeline)


def _entered_at(stage: str | None, history: tuple[StageEvent, ...]) -> datetime | None:
    """When the record last entered its current stage, if the history shows it (None if it disagrees)."""
    entered: datetime | None = None
    for event in reversed(history):
        if stage is None or event.stage != stage:
            break
        entered = event.at
    return entered
