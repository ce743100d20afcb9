"""HubSpot's standard CRM objects besides contacts, as a fresh portal has them: no records, and a short default
property set each (hubspot.md §4 for the property shape). Their names, singular names and object type ids resolve
to one `StandardObject`; the scopes the portal's app holds for them are in `READ_SCOPES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import FIELD_TYPES, Option, PropertyDef, options_of

READ_SCOPES = frozenset({
    "crm.objects.companies.read", "crm.schemas.companies.read", "crm.objects.deals.read", "crm.schemas.deals.read",
    "tickets", "e-commerce", "crm.objects.line_items.read", "crm.schemas.line_items.read",
    "crm.objects.quotes.read", "crm.schemas.quotes.read", "crm.objects.leads.read", "sales-email-read",
    "crm.lists.read", "forms", "content", "automation",
})


@dataclass(frozen=True)
class StandardObject:
    """One standard object type: its plural (the name in scopes and lists), singular name, type id (when HubSpot
    documents one) and default properties."""

    name: str
    singular: str
    type_id: str
    properties: tuple[PropertyDef, ...]

    def property(self, name: str) -> PropertyDef | None:
        return next((p for p in self.properties if p.name == name), None)


def _prop(name: str, label: str, kind: str = "string", group: str = "", *, field_type: str | None = None,
          options: list[Option] | None = None, read_only_value: bool = False,
          has_unique_value: bool = False) -> PropertyDef:
    return PropertyDef(name=name, label=label, type=kind, field_type=field_type or FIELD_TYPES.get(kind, "text"),
                       group=group, options=options or [], read_only_value=read_only_value,
                       has_unique_value=has_unique_value)


def _choice(name: str, label: str, group: str, pairs: tuple[tuple[str, str], ...]) -> PropertyDef:
    return _prop(name, label, "enumeration", group, field_type="select", options=options_of(pairs))


def _system(group: str, created: str = "hs_createdate", modified: str = "hs_lastmodifieddate") -> list[PropertyDef]:
    """The record-keeping properties every object has (read-only values)."""
    return [
        _prop(created, "Create Date", "datetime", group, read_only_value=True),
        _prop(modified, "Last Modified Date", "datetime", group, read_only_value=True),
        _prop("hs_object_id", "Record ID", "number", group, read_only_value=True),
        _prop("hubspot_owner_id", "Owner", "enumeration", group, field_type="select"),
    ]


def _object(name: str, singular: str, type_id: str, *properties: PropertyDef) -> StandardObject:
    return StandardObject(name, singular, type_id, tuple(properties))


def _engagement(name: str, singular: str, type_id: str, group: str, *properties: PropertyDef) -> StandardObject:
    timestamp = _prop("hs_timestamp", "Activity date", "datetime", group)
    return _object(name, singular, type_id, timestamp, *properties, *_system(group))


DIRECTION = (("INBOUND", "Inbound"), ("OUTBOUND", "Outbound"))
OBJECTS: tuple[StandardObject, ...] = (
    _object("companies", "company", "0-2",
            _prop("name", "Company name", group="companyinformation"),
            _prop("domain", "Company Domain Name", group="companyinformation", has_unique_value=True),
            _prop("industry", "Industry", group="companyinformation"),
            _prop("phone", "Phone Number", group="companyinformation", field_type="phonenumber"),
            _prop("city", "City", group="companyinformation"),
            _prop("country", "Country/Region", group="companyinformation"),
            _prop("numberofemployees", "Number of Employees", "number", "companyinformation"),
            _choice("type", "Type", "companyinformation", (("PROSPECT", "Prospect"), ("PARTNER", "Partner"),
                                                           ("RESELLER", "Reseller"), ("VENDOR", "Vendor"),
                                                           ("OTHER", "Other"))),
            *_system("companyinformation", created="createdate")),
    _object("deals", "deal", "0-3",
            _prop("dealname", "Deal Name", group="dealinformation"),
            _prop("amount", "Amount", "number", "dealinformation"),
            _prop("pipeline", "Pipeline", "enumeration", "dealinformation", field_type="select"),
            _prop("dealstage", "Deal Stage", "enumeration", "dealinformation", field_type="radio"),
            _prop("closedate", "Close Date", "datetime", "dealinformation"),
            _choice("dealtype", "Deal Type", "dealinformation", (("newbusiness", "New Business"),
                                                                 ("existingbusiness", "Existing Business"))),
            *_system("dealinformation", created="createdate")),
    _object("tickets", "ticket", "0-5",
            _prop("subject", "Ticket name", group="ticketinformation"),
            _prop("content", "Ticket description", group="ticketinformation", field_type="textarea"),
            _prop("hs_pipeline", "Pipeline", "enumeration", "ticketinformation", field_type="select"),
            _prop("hs_pipeline_stage", "Ticket status", "enumeration", "ticketinformation", field_type="select"),
            _choice("hs_ticket_priority", "Priority", "ticketinformation", (("LOW", "Low"), ("MEDIUM", "Medium"),
                                                                            ("HIGH", "High"))),
            *_system("ticketinformation", created="createdate")),
    _object("products", "product", "0-7",
            _prop("name", "Name", group="productinformation"),
            _prop("description", "Description", group="productinformation", field_type="textarea"),
            _prop("price", "Unit price", "number", "productinformation"),
            _prop("hs_sku", "SKU", group="productinformation"),
            *_system("productinformation", created="createdate")),
    _object("line_items", "line_item", "0-8",
            _prop("name", "Name", group="lineiteminformation"),
            _prop("quantity", "Quantity", "number", "lineiteminformation"),
            _prop("price", "Unit price", "number", "lineiteminformation"),
            _prop("amount", "Net price", "number", "lineiteminformation", read_only_value=True),
            _prop("hs_product_id", "Product ID", "number", "lineiteminformation"),
            *_system("lineiteminformation", created="createdate")),
    _object("quotes", "quote", "0-14",
            _prop("hs_title", "Quote name", group="quoteinformation"),
            _prop("hs_expiration_date", "Expiration date", "datetime", "quoteinformation"),
            _choice("hs_status", "Quote approval status", "quoteinformation",
                    (("DRAFT", "Draft"), ("APPROVAL_NOT_NEEDED", "Approval not needed"),
                     ("PENDING_APPROVAL", "Pending approval"), ("APPROVED", "Approved"), ("REJECTED", "Rejected"))),
            _prop("hs_quote_amount", "Quote amount", "number", "quoteinformation", read_only_value=True),
            *_system("quoteinformation")),
    _engagement("calls", "call", "0-48", "callinformation",
                _prop("hs_call_title", "Call title", group="callinformation"),
                _prop("hs_call_body", "Call notes", group="callinformation", field_type="html"),
                _prop("hs_call_duration", "Call duration", "number", "callinformation"),
                _choice("hs_call_direction", "Call direction", "callinformation", DIRECTION)),
    _engagement("emails", "email", "0-49", "emailinformation",
                _prop("hs_email_subject", "Email subject", group="emailinformation"),
                _prop("hs_email_text", "Email body", group="emailinformation", field_type="textarea"),
                _choice("hs_email_direction", "Email direction", "emailinformation",
                        (("EMAIL", "Logged or sent email"), ("INCOMING_EMAIL", "Incoming email"),
                         ("FORWARDED_EMAIL", "Forwarded email")))),
    _engagement("meetings", "meeting", "0-47", "meetinginformation",
                _prop("hs_meeting_title", "Meeting name", group="meetinginformation"),
                _prop("hs_meeting_start_time", "Start time", "datetime", "meetinginformation"),
                _prop("hs_meeting_end_time", "End time", "datetime", "meetinginformation"),
                _choice("hs_meeting_outcome", "Meeting outcome", "meetinginformation",
                        (("SCHEDULED", "Scheduled"), ("COMPLETED", "Completed"), ("RESCHEDULED", "Rescheduled"),
                         ("NO_SHOW", "No show"), ("CANCELED", "Canceled")))),
    _engagement("notes", "note", "0-46", "noteinformation",
                _prop("hs_note_body", "Note body", group="noteinformation", field_type="html")),
    _engagement("tasks", "task", "0-27", "taskinformation",
                _prop("hs_task_subject", "Task title", group="taskinformation"),
                _choice("hs_task_status", "Task status", "taskinformation",
                        (("NOT_STARTED", "Not started"), ("IN_PROGRESS", "In progress"), ("WAITING", "Waiting"),
                         ("COMPLETED", "Completed"), ("DEFERRED", "Deferred"))),
                _choice("hs_task_priority", "Priority", "taskinformation",
                        (("NONE", "None"), ("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")))),
    _object("leads", "lead", "0-136",
            _prop("hs_lead_name", "Lead name", group="leadinformation"),
            _prop("hs_pipeline", "Pipeline", "enumeration", "leadinformation", field_type="select"),
            _prop("hs_pipeline_stage", "Lead stage", "enumeration", "leadinformation", field_type="select"),
            *_system("leadinformation")),
    _object("deal_splits", "deal_split", "",
            _prop("hs_deal_id", "Deal ID", "number", "dealsplitinformation"),
            _prop("hs_deal_split_percentage", "Split percentage", "number", "dealsplitinformation"),
            _prop("hs_deal_split_amount", "Split amount", "number", "dealsplitinformation", read_only_value=True),
            *_system("dealsplitinformation")),
    _object("forms", "form", "0-28",
            _prop("hs_form_name", "Form name", group="forminformation"),
            _prop("hs_form_type", "Form type", group="forminformation", read_only_value=True),
            *_system("forminformation")),
)
_BY_NAME = {alias: o for o in OBJECTS for alias in (o.name, o.singular, o.type_id) if alias}


def standard_object(object_type: str) -> StandardObject | None:
    """The standard object a path names (plural, singular or type id, any case); None for contacts and others."""
    return _BY_NAME.get(object_type.lower())
