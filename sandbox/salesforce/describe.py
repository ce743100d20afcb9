"""Describe and limits payloads, generated from the schema and the LeadStatus value set."""

from __future__ import annotations

from typing import Any

from .schema import FieldSpec, ObjectSpec
from .store import Org
from .switches import Switches

_LENGTHS = {"id": 18, "reference": 18, "string": 255, "picklist": 255, "email": 80, "phone": 40, "textarea": 32000}


def _label(name: str) -> str:
    base = name[:-2] if name.endswith("Id") and len(name) > 2 else name
    return "".join(f" {ch}" if ch.isupper() and i else ch for i, ch in enumerate(base)).strip()


def _picklist(org: Org, spec: ObjectSpec, field: FieldSpec) -> list[dict[str, Any]]:
    if spec.name == "Lead" and field.name == "Status":
        values = [(v.full_name, v.label, v.default) for v in org.active_statuses()]
    elif field.name == "LeadSource":
        values = [(v, v, False) for v in ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")]
    elif field.name == "Rating":
        values = [(v, v, False) for v in ("Hot", "Warm", "Cold")]
    else:
        return []
    return [{"active": True, "defaultValue": d, "label": lbl, "validFor": None, "value": v} for v, lbl, d in values]


def describe_field(org: Org, switches: Switches, spec: ObjectSpec, field: FieldSpec) -> dict[str, Any]:
    is_status = spec.name == "Lead" and field.name == "Status"
    return {
        "name": field.name,
        "label": field.label or _label(field.name),
        "type": field.type,
        "length": field.length or _LENGTHS.get(field.type, 0),
        "nillable": field.nillable,
        "createable": field.createable,
        "updateable": field.updateable,
        "filterable": field.filterable,
        "sortable": field.filterable,
        "custom": field.name.endswith("__c"),
        "defaultedOnCreate": is_status or field.name in ("Id", "OwnerId", "CreatedDate", "IsConverted"),
        "defaultValue": org.default_status() if is_status else None,
        "picklistValues": _picklist(org, spec, field),
        "restrictedPicklist": bool(is_status and switches.restricted_picklist),
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship,
        "polymorphicForeignKey": len(field.reference_to) > 1,
    }


def describe_sobject(org: Org, switches: Switches, spec: ObjectSpec, version: str) -> dict[str, Any]:
    base = f"/services/data/v{version}/sobjects/{spec.name}"
    return {
        "name": spec.name,
        "label": _label(spec.name),
        "keyPrefix": spec.key_prefix,
        "custom": False,
        "createable": spec.writable,
        "updateable": spec.writable,
        "deletable": spec.writable,
        "queryable": True,
        "fields": [describe_field(org, switches, spec, f) for f in spec.fields.values()],
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def describe_global(org: Org, version: str) -> dict[str, Any]:
    objects = [
        {"name": s.name, "label": _label(s.name), "keyPrefix": s.key_prefix, "queryable": True,
         "createable": s.writable, "updateable": s.writable, "urls": {"sobject": f"/services/data/v{version}/sobjects/{s.name}"}}
        for s in org.schema.values()
    ]
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects}


def limits(switches: Switches) -> dict[str, dict[str, int]]:
    used = switches.api_usage
    peak = switches.daily_api_max

    def pair(maximum: int, remaining: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": remaining}

    return {
        "DailyApiRequests": pair(peak, max(peak - used, 0)),
        "DailyBulkApiBatches": pair(15000, 15000),
        "DailyBulkV2QueryJobs": pair(10000, 10000),
        "DailyBulkV2QueryFileStorageMB": pair(976562, 976562),
        "DataStorageMB": pair(1024, 1000),
        "FileStorageMB": pair(1024, 1024),
        "HourlyTimeBasedWorkflow": pair(50, 50),
    }
