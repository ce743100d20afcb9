"""The fields and properties a definition maps, typed as an admin would create them, for an org and a portal that
lack them: an empty sandbox carries the schema the definition needs, with no records.

Stock names (`Email`, `lifecyclestage`) are left alone; only what is missing is created (custom fields, custom
contact properties). A relationship path (`Owner.Name`) is never created.
"""

from __future__ import annotations

from collections.abc import Iterator

from mapping.definition.compiled import CompiledDefinition
from mapping.definition.models import SystemMapping
from mapping.fields import CANONICAL_FIELDS, FieldType

SALESFORCE_TYPES = {FieldType.TEXT: "string", FieldType.EMAIL: "email", FieldType.NUMBER: "double",
                    FieldType.DATETIME: "datetime", FieldType.BOOLEAN: "boolean"}
HUBSPOT_TYPES = {FieldType.TEXT: "string", FieldType.EMAIL: "string", FieldType.NUMBER: "number",
                 FieldType.DATETIME: "datetime", FieldType.BOOLEAN: "bool"}
ANNOTATION_TYPES = {"reason": FieldType.TEXT, "sla_due": FieldType.DATETIME}
STAGE = "stage"  # a stage field: a picklist (Salesforce) or an enumeration (HubSpot) of its read values


def mapped_fields(mapping: SystemMapping) -> Iterator[tuple[str, FieldType | str]]:
    """(raw name, canonical type or STAGE) of every raw field the mapping names, relationship paths left out."""
    named: list[tuple[str, FieldType | str]] = [(f.field, STAGE) for f in mapping.stage_fields]
    named += [(raw, CANONICAL_FIELDS[canonical][0]) for canonical, raw in mapping.fields.items()]
    if mapping.lock is not None:
        flags = all(isinstance(value, bool) for value in mapping.lock.values)
        named.append((mapping.lock.field, FieldType.BOOLEAN if flags else FieldType.TEXT))
    if mapping.annotations is not None:
        named += [(raw, ANNOTATION_TYPES[role]) for role, raw in mapping.annotations.by_role().items()]
    seen: set[str] = set()
    for name, kind in named:
        if "." not in name and name.lower() not in seen:
            seen.add(name.lower())
            yield name, kind


def stage_values(mapping: SystemMapping, field: str) -> list[str]:
    """The values a stage field reads and is written with, in the definition's order."""
    read = next((f.read for f in mapping.stage_fields if f.field == field), {})
    written = [(mapping.write_values(stage) or {}).get(field) for stage in mapping.write]
    return list(dict.fromkeys([*read, *(value for value in written if value)]))


def salesforce_fields(compiled: CompiledDefinition) -> list[tuple[str, str]]:
    """(Lead field, describe type) of every field the Salesforce mapping names."""
    return [(name, "picklist" if kind == STAGE else SALESFORCE_TYPES[FieldType(kind)])
            for name, kind in mapped_fields(compiled.systems["salesforce"].mapping)]


def hubspot_properties(compiled: CompiledDefinition) -> list[tuple[str, str, list[str]]]:
    """(contact property, type, option values) of every property the HubSpot mapping names."""
    mapping = compiled.systems["hubspot"].mapping
    return [(name, "enumeration", stage_values(mapping, name)) if kind == STAGE else (name, HUBSPOT_TYPES[FieldType(kind)], [])
            for name, kind in mapped_fields(mapping)]
