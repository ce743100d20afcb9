"""Contact property definitions: lookup, whole-list option replacement, create, and write validation (§4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .schema import (
    SALESFORCE_PROPERTIES,
    STAGE_DATE_PREFIXES,
    Option,
    PropertyDef,
    default_properties,
    salesforce_property,
    stage_date_property,
)
from .timestamps import iso_from_ms
from .validation import check_value, invalid
from .wire import ApiError, Json, error_body, not_found, validation_error

PATCHABLE = {
    "label": "label",
    "description": "description",
    "groupName": "group",
    "hidden": "hidden",
    "displayOrder": "display_order",
    "type": "type",
    "fieldType": "field_type",
}


class PropertyRegistry:
    """The portal's contact properties; `hs_v2_date_*_<stage>` follow the current lifecycle options."""

    def __init__(self, now_ms: int, salesforce: Iterable[str] = ()) -> None:
        self._defs: dict[str, PropertyDef] = {}
        for definition in default_properties():
            definition.updated_ms = now_ms
            self._defs[definition.name] = definition
        self._now_ms = now_ms
        self.set_salesforce(salesforce)

    def set_salesforce(self, names: Iterable[str]) -> None:
        """Make exactly `names` (a subset of the connector's properties) exist (hubspot.md §6.4)."""
        wanted = set(names)
        unknown = wanted - set(SALESFORCE_PROPERTIES)
        if unknown:
            raise ValueError(f"not Salesforce-integration properties: {sorted(unknown)}")
        for name in SALESFORCE_PROPERTIES:
            if name in wanted:
                self._defs.setdefault(name, salesforce_property(name))
            else:
                self._defs.pop(name, None)

    def remove(self, name: str) -> None:
        """Delete a custom property, as an admin would: listing no longer shows it and writes to it fail."""
        self._defs.pop(name, None)

    def get(self, name: str) -> PropertyDef | None:
        found = self._defs.get(name)
        if found is not None or not name.startswith(STAGE_DATE_PREFIXES):
            return found
        stage = name.split("_", 4)[-1]
        label = self.option_label("lifecyclestage", stage)
        return stage_date_property(name, label) if label is not None else None

    def all(self) -> list[PropertyDef]:
        stages = [option["value"] for option in self.options("lifecyclestage")]
        dated = [self.get(prefix + stage) for stage in stages for prefix in STAGE_DATE_PREFIXES]
        return [*self._defs.values(), *(d for d in dated if d is not None)]

    def options(self, name: str) -> list[Option]:
        definition = self._defs.get(name)
        return definition.options if definition is not None else []

    def option_values(self, name: str) -> list[str]:
        return [option["value"] for option in self.options(name)]

    def option_label(self, name: str, value: str) -> str | None:
        return next((o["label"] for o in self.options(name) if o["value"] == value), None)

    def set_options(self, name: str, options: list[Option], now_ms: int) -> PropertyDef:
        definition = self.require(name)
        definition.options = [_option(item, order) for order, item in enumerate(options)]
        definition.updated_ms = now_ms
        return definition

    def require(self, name: str) -> PropertyDef:
        definition = self.get(name)
        if definition is None:
            raise not_found(name, f"Unable to find property {name}")
        return definition

    def patch(self, name: str, body: Json, now_ms: int, *, lifecycle_patchable: bool) -> PropertyDef:
        definition = self.require(name)
        if "options" in body and not _options_editable(definition, lifecycle_patchable):
            raise ApiError(400, error_body("READ_ONLY_OPTIONS", f"The options of {name} cannot be modified"))
        for wire_name, attribute in PATCHABLE.items():
            if wire_name in body:
                setattr(definition, attribute, body[wire_name])
        if "options" in body:
            self.set_options(name, _checked_options(body["options"]), now_ms)
        definition.updated_ms = now_ms
        return definition

    def create(self, body: Json, now_ms: int) -> PropertyDef:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise validation_error("Property name is required")
        if self.get(name) is not None:
            raise ApiError(
                409, error_body("OBJECT_ALREADY_EXISTS", f"A property named '{name}' already exists.")
            )
        definition = PropertyDef(
            name=name,
            label=body.get("label", name),
            type=body.get("type", "string"),
            field_type=body.get("fieldType", "text"),
            group=body.get("groupName", "contactinformation"),
            options=[_option(o, i) for i, o in enumerate(_checked_options(body.get("options", [])))],
            read_only_definition=False,
            hubspot_defined=False,
            has_unique_value=bool(body.get("hasUniqueValue")),
            description=body.get("description", ""),
            updated_ms=now_ms,
        )
        self._defs[name] = definition
        return definition

    def check_write(self, name: str, value: str, *, system: bool = False) -> Json | None:
        """The `{isValid, message, error, name}` item HubSpot reports for a bad write, or None if valid."""
        definition = self.get(name)
        if definition is None:
            return invalid(name, f'Property "{name}" does not exist', "PROPERTY_DOESNT_EXIST")
        if definition.read_only_value and not system:
            return invalid(
                name, f'"{name}" is a read only property; its value cannot be set.', "READ_ONLY_VALUE"
            )
        if value == "":
            return None
        return check_value(definition, value)

    def render(self, definition: PropertyDef) -> Json:
        return render_property(definition, self._now_ms)


def render_property(definition: PropertyDef, created_ms: int) -> Json:
    """A property definition in the v3 shape (`GET /crm/v3/properties/{objectType}`)."""
    metadata: Json = {
        "archivable": not definition.hubspot_defined,
        "readOnlyDefinition": definition.read_only_definition,
        "readOnlyValue": definition.read_only_value,
    }
    if definition.read_only_options is not None:
        metadata["readOnlyOptions"] = definition.read_only_options
    return {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type,
        "fieldType": definition.field_type,
        "groupName": definition.group,
        "description": definition.description,
        "options": definition.options,
        "displayOrder": definition.display_order,
        "hidden": definition.hidden,
        "hasUniqueValue": definition.has_unique_value,
        "formField": not definition.read_only_value,
        "calculated": False,
        "externalOptions": False,
        "hubspotDefined": definition.hubspot_defined,
        "modificationMetadata": metadata,
        "createdAt": iso_from_ms(created_ms),
        "updatedAt": iso_from_ms(definition.updated_ms or created_ms),
        "archived": False,
    }


def _options_editable(definition: PropertyDef, lifecycle_patchable: bool) -> bool:
    if definition.name == "lifecyclestage":
        return lifecycle_patchable
    return definition.read_only_options is not True


def _checked_options(raw: Any) -> list[Option]:
    if not isinstance(raw, list) or not all(
        isinstance(o, dict) and "label" in o and "value" in o for o in raw
    ):
        raise validation_error("Each option needs a label and a value")
    values = [str(option["value"]) for option in raw]
    if len(set(values)) != len(values):
        raise validation_error(f"Option values must be unique: {values}")
    return raw


def _option(raw: Option, order: int) -> Option:
    return {
        "label": str(raw["label"]),
        "value": str(raw["value"]),
        "description": str(raw.get("description", "")),
        "displayOrder": int(raw.get("displayOrder", order)),
        "hidden": bool(raw.get("hidden", False)),
    }
