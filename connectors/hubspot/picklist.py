"""Reads a contact property's options and adds missing ones with a PATCH of the whole list (nothing dropped)."""

from __future__ import annotations

from hubspot.crm.properties import OptionInput, PropertyUpdate

from connectors.hubspot.api import HubSpotApi
from connectors.ports import WriteOutcome
from mapping.stage_diff import PicklistValue, StageDiff


class HubSpotPicklistAdmin:
    def __init__(self, api: HubSpotApi) -> None:
        self.api = api

    def _property(self, field: str) -> object:
        return self.api.run("properties.get", lambda timeout: self.api.properties_api.get_by_name_with_http_info(
            "contacts", field, _request_timeout=timeout))

    def read_picklist(self, field: str) -> list[PicklistValue]:
        options = getattr(self._property(field), "options", None) or []
        return [PicklistValue(o.value, o.label, o.description, not bool(o.hidden)) for o in options]

    def add_picklist_values(self, diff: StageDiff) -> WriteOutcome:
        if diff.empty:
            return WriteOutcome(diff.field, True)
        options = [OptionInput(label=v.label, value=v.value, description=v.description or "", display_order=i,
                               hidden=not v.active) for i, v in enumerate(diff.full)]
        self.api.run("properties.update", lambda timeout: self.api.properties_api.update_with_http_info(
            "contacts", diff.field, PropertyUpdate(options=options), _request_timeout=timeout))
        return WriteOutcome(diff.field, True)
