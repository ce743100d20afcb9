"""Routes clients probe besides contacts: custom-object schemas, the legacy v1/v2 property lists (every standard
object's), v4 associations.

The portal holds contact records only: no custom objects (an empty `results`) and no associated records, so
association reads answer in the documented shapes with nothing in them (batch read: 207 with one NO_ASSOCIATIONS_FOUND error
per input, as HubSpot reports an object without associations).
"""

from __future__ import annotations

from typing import Any

from .portal import Portal
from .properties import render_property
from .routes_schema import other_object
from .schema import PropertyDef
from .standard_objects import standard_object
from .timestamps import iso_from_ms, ms_from_text
from .wire import Call, Json, Reply, correlation_id, validation_error

SINGULAR_CONTACTS = ("contacts", "contact", "0-1")


def list_schemas(portal: Portal, call: Call) -> Reply:
    return Reply(200, {"results": []})


def legacy_properties(portal: Portal, call: Call) -> Reply:
    """`GET /properties/v2/{type}/properties` (and v1): a bare JSON array, timestamps as epoch milliseconds."""
    return Reply(200, _legacy_list(portal, call.path["object_type"]))


def legacy_company_properties(portal: Portal, call: Call) -> Reply:
    """`GET /companies/v2/properties`: the company list in the same legacy shape."""
    return Reply(200, _legacy_list(portal, "companies"))


def _legacy_list(portal: Portal, object_type: str) -> list[Json]:
    other = other_object(object_type)
    if other is not None:
        return [legacy_shape(d, render_property(d, portal.created_ms)) for d in other.properties]
    registry = portal.registry
    return [legacy_shape(d, registry.render(d)) for d in registry.all()]


def legacy_shape(definition: PropertyDef, current: Json) -> Json:
    """The v1/v2 property shape, from a definition and its v3 rendering."""
    options = [{"description": o.get("description", ""), "label": o["label"], "displayOrder": o["displayOrder"],
                "hidden": o["hidden"], "value": o["value"], "readOnly": bool(definition.read_only_options)}
               for o in current["options"]]
    return {
        "name": definition.name, "label": definition.label, "description": definition.description,
        "groupName": definition.group, "type": definition.type, "fieldType": definition.field_type,
        "options": options, "createdAt": ms_from_text(current["createdAt"]),
        "updatedAt": ms_from_text(current["updatedAt"]), "createdUserId": None, "updatedUserId": None,
        "displayOrder": definition.display_order, "readOnlyValue": definition.read_only_value,
        "readOnlyDefinition": definition.read_only_definition, "hidden": definition.hidden,
        "mutableDefinitionNotDeletable": definition.hubspot_defined, "favorited": False, "favoritedOrder": -1,
        "calculated": False, "externalOptions": False, "displayMode": "current_value",
        "formField": current["formField"], "deleted": False, "hubspotDefined": definition.hubspot_defined,
        "optionsAreMutable": definition.read_only_options is not True and definition.type == "enumeration",
        "searchableInGlobalSearch": definition.name in ("email", "firstname", "lastname", "phone", "company"),
        "hasUniqueValue": definition.has_unique_value, "textDisplayHint": None, "numberDisplayHint": None,
        "showCurrencySymbol": None, "currencyPropertyName": None, "referencedObjectType": None,
        "isCustomizedDefault": False,
    }


def _singular(object_type: str) -> str:
    lowered = object_type.lower()
    if lowered in SINGULAR_CONTACTS:
        return "contact"
    found = standard_object(lowered)
    return found.singular if found is not None else lowered.removesuffix("s")


def batch_read_associations(portal: Portal, call: Call) -> Reply:
    """`POST /crm/v4/associations/{from}/{to}/batch/read`."""
    body = call.body if isinstance(call.body, dict) else {}
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and i.get("id") for i in inputs):
        raise validation_error("inputs must be a list of {\"id\": ...}")
    stamp = iso_from_ms(portal.clock())
    envelope: Json = {"status": "COMPLETE", "results": [], "startedAt": stamp, "completedAt": stamp}
    if not inputs:
        return Reply(200, envelope)
    source, target = _singular(call.path["from_type"]), _singular(call.path["to_type"])
    errors = [_no_associations(str(item["id"]), source, target) for item in inputs]
    return Reply(207, envelope | {"numErrors": len(errors), "errors": errors})


def _no_associations(object_id: str, source: str, target: str) -> dict[str, Any]:
    return {
        "status": "error", "category": "OBJECT_NOT_FOUND", "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {target} is associated with {source} {object_id}.", "correlationId": correlation_id(),
        "context": {"fromObjectId": [object_id], "fromObjectType": [source], "toObjectType": [target]},
    }


def list_associations(portal: Portal, call: Call) -> Reply:
    """`GET /crm/v4/objects/{type}/{id}/associations/{toType}`: a page of associated records (none here)."""
    call.integer("limit", 500)  # validated like the real parameter, though no page is ever full
    return Reply(200, {"results": []})


SINGULAR_CONTACT = "/crm/v3/objects/contact"
ROUTES: tuple[tuple[str, str, str, Any], ...] = (
    ("GET", "/crm/v3/schemas", "hs.schemas.list", list_schemas),
    ("GET", "/crm-object-schemas/v3/schemas", "hs.schemas.list", list_schemas),  # the path hubspot-api-client uses
    ("GET", "/properties/v2/{object_type}/properties", "hs.properties.legacy_list", legacy_properties),
    ("GET", "/properties/v1/{object_type}/properties", "hs.properties.legacy_list", legacy_properties),
    ("GET", "/companies/v2/properties", "hs.properties.legacy_list", legacy_company_properties),
    ("POST", "/crm/v4/associations/{from_type}/{to_type}/batch/read", "hs.associations.batch_read",
     batch_read_associations),
    ("GET", "/crm/v4/objects/{object_type}/{object_id}/associations/{to_type}", "hs.associations.list",
     list_associations),
)
