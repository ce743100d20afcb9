"""The sObjects the sandbox knows (Lead, LeadHistory, LeadStatus, Task, Event, User, Account, Contact, Organization)
and their fields."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldSpec:
    """One field as describe reports it; `relationship` names the parent for reference fields (`Owner`)."""

    name: str
    type: str
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    filterable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    label: str = ""
    length: int = 0


@dataclass
class ObjectSpec:
    """An sObject: its key prefix, fields by canonical name, and relationships to parents."""

    name: str
    key_prefix: str
    fields: dict[str, FieldSpec]
    writable: bool = False
    by_lower: dict[str, FieldSpec] = field(default_factory=dict)
    relationships: dict[str, FieldSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in list(self.fields.values()):
            self._index(spec)

    def _index(self, spec: FieldSpec) -> None:
        self.by_lower[spec.name.lower()] = spec
        if spec.relationship:
            self.relationships[spec.relationship.lower()] = spec

    def field(self, name: str) -> FieldSpec | None:
        return self.by_lower.get(name.lower())

    def add_field(self, spec: FieldSpec) -> None:
        self.fields[spec.name] = spec
        self._index(spec)

    def remove_field(self, name: str) -> None:
        """Delete a (custom) field, as an admin would: describe no longer shows it and writes to it fail."""
        spec = self.by_lower.pop(name.lower(), None)
        if spec is not None:
            self.fields.pop(spec.name, None)
            if spec.relationship:
                self.relationships.pop(spec.relationship.lower(), None)


def _ro(name: str, type_: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, type_, createable=False, updateable=False, **kw)  # type: ignore[arg-type]


def _ref(name: str, relationship: str, *targets: str, writable: bool = True) -> FieldSpec:
    return FieldSpec(
        name, "reference", createable=writable, updateable=writable, reference_to=targets, relationship=relationship
    )


def _audit() -> list[FieldSpec]:
    return [
        _ro("Id", "id", nillable=False),
        _ro("IsDeleted", "boolean", nillable=False),
        _ro("CreatedDate", "datetime", nillable=False),
        _ref("CreatedById", "CreatedBy", "User", writable=False),
        _ro("LastModifiedDate", "datetime", nillable=False),
        _ref("LastModifiedById", "LastModifiedBy", "User", writable=False),
        _ro("SystemModstamp", "datetime", nillable=False),
    ]


def _strings(*names: str, type_: str = "string") -> list[FieldSpec]:
    return [FieldSpec(n, type_, length=255) for n in names]


def _lead() -> list[FieldSpec]:
    return [
        *_audit(),
        _ref("MasterRecordId", "MasterRecord", "Lead", writable=False),
        FieldSpec("LastName", "string", nillable=False, length=80),
        FieldSpec("Company", "string", nillable=False, length=255),
        *_strings("FirstName", "Salutation", "Title", "Street", "City", "State", "PostalCode"),
        *_strings("Country", "Website", "Industry"),
        _ro("Name", "string", length=121),
        *_strings("Phone", "MobilePhone", type_="phone"),
        FieldSpec("Email", "email", length=80),
        *_strings("LeadSource", "Rating", type_="picklist"),
        FieldSpec("Status", "picklist", nillable=False, length=255),
        FieldSpec("Description", "textarea"),
        FieldSpec("AnnualRevenue", "currency"),
        FieldSpec("NumberOfEmployees", "int"),
        _ref("OwnerId", "Owner", "Group", "User"),
        FieldSpec("IsConverted", "boolean", updateable=False, nillable=False),
        _ro("ConvertedDate", "date"),
        _ref("ConvertedAccountId", "ConvertedAccount", "Account", writable=False),
        _ref("ConvertedContactId", "ConvertedContact", "Contact", writable=False),
        _ref("ConvertedOpportunityId", "ConvertedOpportunity", "Opportunity", writable=False),
        FieldSpec("IsUnreadByOwner", "boolean", nillable=False),
        _ro("LastActivityDate", "date"),
        _ro("LastViewedDate", "datetime"),
        _ro("LastReferencedDate", "datetime"),
        *_lead_custom(),
    ]


def _lead_custom() -> list[FieldSpec]:
    """Custom fields an admin created for leadsync's annotations (the seed adds the BANT and lock fields itself)."""
    return [
        FieldSpec("Stage_Reason__c", "string", label="Stage Reason", length=255),
        FieldSpec("SLA_Due__c", "datetime", label="SLA Due"),
    ]


def _lead_history() -> list[FieldSpec]:
    return [
        _ro("Id", "id", nillable=False),
        _ro("IsDeleted", "boolean", nillable=False),
        _ref("LeadId", "Lead", "Lead", writable=False),
        _ref("CreatedById", "CreatedBy", "User", writable=False),
        _ro("CreatedDate", "datetime", nillable=False),
        _ro("Field", "picklist"),
        _ro("DataType", "picklist"),
        _ro("OldValue", "anyType", filterable=False),
        _ro("NewValue", "anyType", filterable=False),
    ]


def _lead_status() -> list[FieldSpec]:
    return [
        *_audit(),
        _ro("MasterLabel", "string"),
        _ro("ApiName", "string"),
        _ro("SortOrder", "int"),
        _ro("IsDefault", "boolean"),
        _ro("IsConverted", "boolean"),
    ]


def _activity() -> list[FieldSpec]:
    return [
        *_audit(),
        _ref("WhoId", "Who", "Contact", "Lead"),
        _ref("WhatId", "What", "Account", "Opportunity"),
        _ref("OwnerId", "Owner", "Group", "User"),
        *_strings("Subject", "Type"),
        FieldSpec("Description", "textarea"),
        FieldSpec("ActivityDate", "date"),
    ]


def _task() -> list[FieldSpec]:
    return [
        *_activity(),
        *_strings("Status", "Priority", "TaskSubtype", type_="picklist"),
        _ro("IsClosed", "boolean"),
        FieldSpec("CompletedDateTime", "datetime"),
    ]


def _event() -> list[FieldSpec]:
    return [
        *_activity(),
        FieldSpec("ActivityDateTime", "datetime"),
        FieldSpec("StartDateTime", "datetime"),
        FieldSpec("EndDateTime", "datetime"),
        FieldSpec("DurationInMinutes", "int"),
        FieldSpec("IsAllDayEvent", "boolean"),
        FieldSpec("EventSubtype", "picklist"),
    ]


def _user() -> list[FieldSpec]:
    return [
        *_audit(),
        *_strings("Username", "FirstName", "LastName", "Alias", "TimeZoneSidKey", "UserType"),
        _ro("Name", "string"),
        FieldSpec("Email", "email"),
        FieldSpec("IsActive", "boolean"),
    ]


def _organization() -> list[FieldSpec]:
    return [
        *_audit(),
        *_strings("Name", "OrganizationType", "TimeZoneSidKey", "InstanceName", "DefaultLocaleSidKey"),
        _ro("IsSandbox", "boolean"),
    ]


def _account() -> list[FieldSpec]:
    """Enough of Account for converted leads to point at (reference §7.2)."""
    return [
        *_audit(),
        _ref("MasterRecordId", "MasterRecord", "Account", writable=False),
        FieldSpec("Name", "string", nillable=False, length=255),
        *_strings("Website", "Phone", "BillingCity", "BillingCountry"),
        *_strings("Industry", "Rating", "Type", type_="picklist"),
        FieldSpec("Description", "textarea"),
        FieldSpec("AnnualRevenue", "currency"),
        FieldSpec("NumberOfEmployees", "int"),
        _ref("OwnerId", "Owner", "User"),
    ]


def _contact() -> list[FieldSpec]:
    return [
        *_audit(),
        _ref("MasterRecordId", "MasterRecord", "Contact", writable=False),
        _ref("AccountId", "Account", "Account"),
        FieldSpec("LastName", "string", nillable=False, length=80),
        *_strings("FirstName", "Salutation", "Title", "Phone", "MobilePhone"),
        _ro("Name", "string", length=121),
        FieldSpec("Email", "email", length=80),
        FieldSpec("LeadSource", "picklist", length=255),
        _ref("OwnerId", "Owner", "User"),
        FieldSpec("Description", "textarea"),
    ]


def build_schema() -> dict[str, ObjectSpec]:
    """A fresh schema (custom fields may be added per sandbox, so it is not shared)."""
    specs = [
        ObjectSpec("Lead", "00Q", {f.name: f for f in _lead()}, writable=True),
        ObjectSpec("LeadHistory", "017", {f.name: f for f in _lead_history()}),
        ObjectSpec("LeadStatus", "01J", {f.name: f for f in _lead_status()}),
        ObjectSpec("Task", "00T", {f.name: f for f in _task()}, writable=True),
        ObjectSpec("Event", "00U", {f.name: f for f in _event()}, writable=True),
        ObjectSpec("User", "005", {f.name: f for f in _user()}),
        ObjectSpec("Account", "001", {f.name: f for f in _account()}, writable=True),
        ObjectSpec("Contact", "003", {f.name: f for f in _contact()}, writable=True),
        ObjectSpec("Organization", "00D", {f.name: f for f in _organization()}),
    ]
    return {spec.name: spec for spec in specs}


def object_for_id(schema: dict[str, ObjectSpec], record_id: str) -> ObjectSpec | None:
    """The sObject whose key prefix starts `record_id` (polymorphic lookups such as `Who`)."""
    for spec in schema.values():
        if record_id.startswith(spec.key_prefix):
            return spec
    return None
