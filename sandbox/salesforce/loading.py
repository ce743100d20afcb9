"""Bulk loading for seed generators: streams plain dicts into the org, filling system fields Salesforce would set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from .dml import add_history_row, derive_fields
from .schema import FieldSpec, ObjectSpec
from .store import Org, StatusValue, Table, coerce
from .wire import format_datetime, now_utc


def _infer_spec(name: str, value: object) -> FieldSpec:
    if isinstance(value, bool):
        kind = "boolean"
    elif isinstance(value, int):
        kind = "int"
    elif isinstance(value, float):
        kind = "double"
    elif isinstance(value, datetime):
        kind = "datetime"
    elif isinstance(value, date):
        kind = "date"
    else:
        kind = "string"
    return FieldSpec(name, kind, length=255 if kind == "string" else 0)


def _spec_for(spec: ObjectSpec, cache: dict[str, FieldSpec], key: str, value: object) -> FieldSpec:
    found = cache.get(key)
    if found is None:
        found = spec.field(key)
        if found is None:  # an unknown key becomes a custom field, as if the org had it
            found = _infer_spec(key, value)
            spec.add_field(found)
        cache[key] = found
    return found


def load_records(org: Org, sobject: str, rows: Iterable[Mapping[str, object]], defaults: dict[str, object]) -> int:
    """Insert every row (ids kept when given); returns how many were loaded."""
    table = org.tables[sobject]
    cache: dict[str, FieldSpec] = {}
    count = 0
    with org.lock:
        for source in rows:
            values = _row_values(org, table, cache, source, defaults)
            record_id = str(values.pop("Id", None) or org.ids.mint(table.spec.key_prefix))
            row = table.insert(record_id, values)
            derive_fields(org, table, row)
            count += 1
    return count


def _row_values(
    org: Org, table: Table, cache: dict[str, FieldSpec], source: Mapping[str, object], defaults: dict[str, object]
) -> dict[str, object]:
    values = dict(defaults)
    for key, value in source.items():
        spec = _spec_for(table.spec, cache, key, value)
        values[spec.name] = coerce(spec, value)
    stamp = format_datetime(now_utc())
    values.setdefault("CreatedDate", stamp)
    if values["CreatedDate"] is None:
        values["CreatedDate"] = stamp
    values.setdefault("LastModifiedDate", values["CreatedDate"])
    values.setdefault("SystemModstamp", values["LastModifiedDate"])
    values.setdefault("CreatedById", org.api_user_id)
    values.setdefault("LastModifiedById", values["CreatedById"])
    return values


def lead_defaults(org: Org) -> dict[str, object]:
    return {"IsDeleted": False, "IsConverted": False, "IsUnreadByOwner": False, "Status": org.default_status(),
            "OwnerId": org.api_user_id}


def activity_defaults(org: Org) -> dict[str, object]:
    return {"IsDeleted": False, "OwnerId": org.api_user_id}


def load_history(org: Org, rows: Iterable[Mapping[str, object]]) -> int:
    count = 0
    with org.lock:
        for row in rows:
            add_history_row(org, row)
            count += 1
    return count


def set_statuses(org: Org, values: Iterable[Mapping[str, object] | str]) -> None:
    """Replace the LeadStatus value set: strings, or dicts with fullName/label/default/converted/isActive."""
    statuses: list[StatusValue] = []
    for value in values:
        if isinstance(value, str):
            statuses.append(StatusValue(value, value))
            continue
        name = str(value.get("fullName") or value.get("ApiName") or value.get("label"))
        statuses.append(StatusValue(
            name,
            str(value.get("label") or value.get("MasterLabel") or name),
            bool(value.get("default", value.get("IsDefault", False))),
            bool(value.get("converted", value.get("IsConverted", False))),
            bool(value.get("isActive", True)),
        ))
    with org.lock:
        org.statuses = statuses
        org.sync_lead_status_rows()
