"""Describe and limits payloads, generated from the schema and the LeadStatus value set."""

from __future__ import annotations

from typing import Any

from .describe_field import describe_field
from .describe_field import label as _label
from .schema import ObjectSpec
from .store import Org
from .switches import Switches

_CHILD_NAMES = {("LeadHistory", "LeadId"): "Histories", ("Task", "WhoId"): "Tasks", ("Event", "WhoId"): "Events",
                ("Task", "WhatId"): "Tasks", ("Event", "WhatId"): "Events", ("Contact", "AccountId"): "Contacts"}
_CASCADE = frozenset({("LeadHistory", "LeadId"), ("Task", "WhoId"), ("Event", "WhoId")})


def _plural(label_text: str) -> str:
    return label_text[:-1] + "ies" if label_text.endswith("y") else label_text + "s"


def describe_brief(spec: ObjectSpec, version: str) -> dict[str, Any]:
    """The keys a describe-global entry and a full describe share, in Salesforce's alphabetical order."""
    base = f"/services/data/v{version}/sobjects/{spec.name}"
    writable, name = spec.writable, _label(spec.name)
    return {
        "activateable": False, "associateEntityType": "History" if spec.name.endswith("History") else None,
        "associateParentEntity": spec.name.removesuffix("History") if spec.name.endswith("History") else None,
        "createable": writable, "custom": False, "customSetting": False, "deepCloneable": False,
        "deletable": writable, "deprecatedAndHidden": False, "feedEnabled": spec.name in ("Lead", "Account", "Contact"),
        "hasSubtypes": False, "isInterface": False, "isSubtype": False, "keyPrefix": spec.key_prefix, "label": name,
        "labelPlural": _plural(name), "layoutable": writable, "mergeable": spec.name in ("Lead", "Account", "Contact"),
        "mruEnabled": writable, "name": spec.name, "queryable": True, "replicateable": True, "retrieveable": True,
        "searchable": writable, "triggerable": writable, "undeletable": writable, "updateable": writable,
        "urls": {"rowTemplate": f"{base}/{{ID}}", "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
                 "describe": f"{base}/describe", "sobject": base},
    }


def _child_relationships(org: Org, spec: ObjectSpec) -> list[dict[str, Any]]:
    children = []
    for child in org.schema.values():
        for field in child.fields.values():
            if spec.name in field.reference_to:
                key = (child.name, field.name)
                children.append({
                    "cascadeDelete": key in _CASCADE, "childSObject": child.name, "deprecatedAndHidden": False,
                    "field": field.name, "junctionIdListNames": [], "junctionReferenceTo": [],
                    "relationshipName": _CHILD_NAMES.get(key), "restrictedDelete": False,
                })
    return sorted(children, key=lambda c: (c["childSObject"], c["field"]))


def _record_types(spec: ObjectSpec, version: str) -> list[dict[str, Any]]:
    master = "012000000000000AAA"
    layout = f"/services/data/v{version}/sobjects/{spec.name}/describe/layouts/{master}"
    return [{"active": True, "available": True, "defaultRecordTypeMapping": True, "developerName": "Master",
             "master": True, "name": "Master", "recordTypeId": master, "urls": {"layout": layout}}]


def describe_sobject(org: Org, switches: Switches, spec: ObjectSpec, version: str) -> dict[str, Any]:
    flags = describe_brief(spec, version)
    base = flags["urls"]["sobject"]
    extra: dict[str, Any] = {
        "actionOverrides": [], "childRelationships": _child_relationships(org, spec),
        "compactLayoutable": spec.writable, "defaultImplementation": None, "extendedBy": None,
        "extendsInterfaces": None, "fields": [describe_field(org, switches, spec, f) for f in spec.fields.values()],
        "implementedBy": None, "implementsInterfaces": None, "listviewable": None, "lookupLayoutable": None,
        "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": _record_types(spec, version) if spec.writable else [],
        "searchLayoutable": spec.writable, "sobjectDescribeOption": "FULL", "supportedScopes": [],
    }
    urls = {"compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
            "describe": f"{base}/describe", "layouts": f"{base}/describe/layouts", "sobject": base}
    return dict(sorted((flags | extra | {"urls": urls}).items()))


def describe_global(org: Org, version: str) -> dict[str, Any]:
    objects = [describe_brief(spec, version) for spec in org.schema.values()]
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
