"""One `fields[]` entry of an sObject describe, with every key real Salesforce sends (recorded v59 Lead describe)."""

from __future__ import annotations

from typing import Any

from .schema import FieldSpec, ObjectSpec
from .store import Org
from .switches import Switches

_LENGTHS = {"id": 18, "reference": 18, "string": 255, "picklist": 255, "email": 80, "phone": 40, "textarea": 32000,
            "url": 255}
_TEXT = frozenset({"string", "picklist", "email", "phone", "textarea", "url", "multipicklist", "combobox"})
_SOAP_TYPES = {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "datetime": "xsd:dateTime",
               "date": "xsd:date", "int": "xsd:int", "double": "xsd:double", "currency": "xsd:double",
               "percent": "xsd:double", "anyType": "xsd:anyType"}
_NUMBERS = {"currency": (18, 0), "double": (18, 0), "percent": (18, 0)}  # (precision, scale)
_NOT_GROUPABLE = frozenset({"datetime", "textarea", "double", "currency", "percent", "anyType"})
_COMPOUND = {"FirstName": "Name", "LastName": "Name", "Salutation": "Name", "Street": "Address", "City": "Address",
             "State": "Address", "PostalCode": "Address", "Country": "Address"}
_ID_LOOKUP = frozenset({"Id", "Email", "Name", "Username"})
_DEFAULTED = frozenset({"Id", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                        "SystemModstamp", "IsConverted", "IsDeleted"})


def label(name: str) -> str:
    """`ConvertedAccountId` → `Converted Account`; custom fields drop `__c`."""
    base = name.removesuffix("__c").replace("_", " ")
    base = base[:-2] if base.endswith("Id") and len(base) > 2 else base
    return "".join(f" {ch}" if ch.isupper() and i and base[i - 1] != " " else ch for i, ch in enumerate(base)).strip()


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


def _default_value(org: Org, spec: ObjectSpec, field: FieldSpec) -> object:
    if spec.name == "Lead" and field.name == "Status":
        return org.default_status()
    return False if field.type == "boolean" else None


def describe_field(org: Org, switches: Switches, spec: ObjectSpec, field: FieldSpec) -> dict[str, Any]:
    kind = field.type
    sized = kind in _TEXT or kind in ("id", "reference")
    length = (field.length or _LENGTHS.get(kind, 0)) if sized else 0
    precision, scale = _NUMBERS.get(kind, (0, 0))
    is_status = spec.name == "Lead" and field.name == "Status"
    return {
        "aggregatable": kind not in ("boolean", "textarea", "anyType"), "aiPredictionField": False,
        "autoNumber": False, "byteLength": length if kind in ("id", "reference") else length * 3,
        "calculated": False, "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": False,
        "compoundFieldName": _COMPOUND.get(field.name) if spec.name == "Lead" else None, "controllerName": None,
        "createable": field.createable, "custom": field.name.endswith("__c"),
        "defaultValue": _default_value(org, spec, field), "defaultValueFormula": None,
        "defaultedOnCreate": is_status or field.name in _DEFAULTED or kind == "boolean",
        "dependentPicklist": False, "deprecatedAndHidden": False, "digits": 9 if kind == "int" else 0,
        "displayLocationInDecimal": False, "encrypted": False, "externalId": False,
        "extraTypeInfo": "personname" if field.name == "Name" and spec.name in ("Lead", "User") else None,
        "filterable": field.filterable, "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": kind not in _NOT_GROUPABLE, "highScaleNumber": False, "htmlFormatted": False,
        "idLookup": field.name in _ID_LOOKUP, "inlineHelpText": None, "label": field.label or label(field.name),
        "length": length, "mask": None, "maskType": None, "name": field.name, "nameField": field.name == "Name",
        "namePointing": len(field.reference_to) > 1, "nillable": field.nillable, "permissionable": field.nillable,
        "picklistValues": _picklist(org, spec, field), "polymorphicForeignKey": len(field.reference_to) > 1,
        "precision": precision, "queryByDistance": False, "referenceTargetField": None,
        "referenceTo": list(field.reference_to), "relationshipName": field.relationship, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": bool(is_status and switches.restricted_picklist),
        "scale": scale, "searchPrefilterable": kind == "reference", "soapType": _SOAP_TYPES.get(kind, "xsd:string"),
        "sortable": kind != "textarea", "type": kind, "unique": False, "updateable": field.updateable,
        "writeRequiresMasterRead": False,
    }
