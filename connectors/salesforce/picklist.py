"""Reads the Lead Status values and adds missing ones through the Metadata API (the whole set, nothing dropped)."""

from __future__ import annotations

from connectors.ports import WriteOutcome
from connectors.salesforce.api import SalesforceApi
from mapping.stage_diff import PicklistValue, StageDiff

VALUE_SET = "LeadStatus"


class SalesforcePicklistAdmin:
    def __init__(self, api: SalesforceApi) -> None:
        self.api = api

    def read_picklist(self, field: str) -> list[PicklistValue]:
        rows = next(iter(self.api.query_pages(
            "SELECT ApiName, MasterLabel, SortOrder FROM LeadStatus ORDER BY SortOrder", "picklist.read")), [])
        return [PicklistValue(str(r["ApiName"]), str(r.get("MasterLabel") or r["ApiName"])) for r in rows]

    def add_picklist_values(self, diff: StageDiff) -> WriteOutcome:
        """Metadata update of the whole LeadStatus set: every existing value kept, the new ones added."""
        if diff.empty:
            return WriteOutcome(diff.field, True)

        def update(sf: object) -> object:
            mdapi = sf.mdapi  # type: ignore[attr-defined]
            value_set = mdapi.StandardValueSet.read(VALUE_SET)
            present = {v.fullName.casefold() for v in value_set.standardValue}
            for value in diff.to_add:
                if value.value.casefold() not in present:
                    value_set.standardValue.append(mdapi.StandardValue(
                        fullName=value.value, label=value.label, default=False, converted=False,
                        description=(value.description or "")[:255] or None))
            return mdapi.StandardValueSet.update([value_set])

        self.api.run("metadata.update", update)
        return WriteOutcome(diff.field, True)
