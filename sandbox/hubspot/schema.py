"""The default contact property definitions of a fresh portal (hubspot.md §4, §6): names, types, options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Option = dict[str, Any]

LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)
STAGE_DATE_PREFIXES = ("hs_v2_date_entered_", "hs_v2_date_exited_")
SALESFORCE_PROPERTIES: tuple[str, ...] = (
    "salesforceleadid",
    "salesforcecontactid",
    "salesforceaccountid",
    "salesforcecampaignids",
    "salesforcedeleted",
    "salesforcelastsynctime",
    "salesforce_create_date",
    "salesforceownerid",
)
FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "datetime": "date",
    "date": "date",
    "bool": "booleancheckbox",
}


@dataclass
class PropertyDef:
    """One property definition; `options` only for enumerations."""

    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    group: str = "contactinformation"
    options: list[Option] = field(default_factory=list)
    read_only_value: bool = False
    read_only_definition: bool = True
    read_only_options: bool | None = None
    hubspot_defined: bool = True
    has_unique_value: bool = False
    description: str = ""
    display_order: int = -1
    hidden: bool = False
    updated_ms: int = 0


def options_of(pairs: tuple[tuple[str, str], ...]) -> list[Option]:
    return [
        {"label": label, "value": value, "description": "", "displayOrder": order, "hidden": False}
        for order, (value, label) in enumerate(pairs)
    ]


def _plain(name: str, label: str, kind: str = "string", **extra: Any) -> PropertyDef:
    return PropertyDef(name=name, label=label, type=kind, field_type=FIELD_TYPES.get(kind, "text"), **extra)


def _system(name: str, label: str, kind: str = "datetime", group: str = "contactinformation") -> PropertyDef:
    return _plain(name, label, kind, group=group, read_only_value=True)


def default_properties() -> list[PropertyDef]:
    return [
        _plain("email", "Email", has_unique_value=True),
        _plain("firstname", "First Name"),
        _plain("lastname", "Last Name"),
        PropertyDef("phone", "Phone Number", "string", "phonenumber"),
        _plain("company", "Company Name"),
        _plain("jobtitle", "Job Title"),
        _plain("country", "Country/Region"),
        _plain("hs_analytics_source", "Original Traffic Source", group="analyticsinformation"),
        _plain("hubspotscore", "HubSpot Score", "number"),
        PropertyDef(
            "lifecyclestage", "Lifecycle Stage", "enumeration", "radio", options=options_of(LIFECYCLE_STAGES)
        ),
        PropertyDef(
            "hs_lead_status",
            "Lead Status",
            "enumeration",
            "radio",
            group="sales_properties",
            options=options_of(LEAD_STATUSES),
            read_only_options=False,
        ),
        PropertyDef("hubspot_owner_id", "Contact owner", "enumeration", "select", group="sales_properties"),
        _system("hubspot_owner_assigneddate", "Owner assigned date", group="sales_properties"),
        _system("hs_is_unworked", "Contact unworked", "bool", group="sales_properties"),
        _system("hs_sa_first_engagement_date", "Date of first engagement", group="sales_properties"),
        _system("hs_first_outreach_date", "First outreach date", group="sales_properties"),
        _system("notes_last_contacted", "Last Contacted", group="sales_properties"),
        _system("notes_last_updated", "Last Activity Date", group="sales_properties"),
        _system("num_contacted_notes", "Number of times contacted", "number", group="sales_properties"),
        _system("num_notes", "Number of Sales Activities", "number", group="sales_properties"),
        _system("hs_last_sales_activity_timestamp", "Last Engagement Date", group="sales_properties"),
        _system("hs_pipeline", "Pipeline", "string"),
        _system("hs_object_id", "Record ID", "number"),
        _system("createdate", "Create Date"),
        _system("lastmodifieddate", "Last Modified Date"),
        _system("hs_lastmodifieddate", "Object last modified date/time"),
        _system("hs_v2_date_entered_current_stage", "Date entered current stage", group="contactlcs"),
        *_leadsync_properties(),
    ]


def _leadsync_properties() -> list[PropertyDef]:
    """Custom properties an admin created for leadsync's annotations (editable, not HubSpot-defined)."""
    custom: dict[str, Any] = {"read_only_definition": False, "hubspot_defined": False, "group": "sales_properties"}
    return [
        _plain("leadsync_stage_reason", "Stage reason (leadsync)", **custom),
        _plain("leadsync_sla_due", "SLA due (leadsync)", "datetime", **custom),
    ]


def salesforce_property(name: str) -> PropertyDef:
    kind = "datetime" if name in ("salesforcelastsynctime", "salesforce_create_date") else "string"
    return _plain(name, name, kind, group="salesforceinformation", read_only_value=True)


def stage_date_property(name: str, stage_label: str) -> PropertyDef:
    verb = "entered" if name.startswith(STAGE_DATE_PREFIXES[0]) else "exited"
    label = f'Date {verb} "{stage_label} (Lifecycle Stage Pipeline)"'
    return _system(name, label, group="contactlcs")
