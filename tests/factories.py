"""Builders of raw vendor records and compiled definitions, so tests read as scenarios."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.definition.parse import parse_definition

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "definitions"
EXAMPLE = REPO / "definitions" / "examples" / "raw-warm-hot"


def sources(directory: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in directory.glob("*.yaml")}


@cache
def compiled(directory: Path = DEFAULT, two_way: bool | None = None) -> CompiledDefinition:
    texts = sources(directory)
    if two_way is not None:
        hubspot = texts["hubspot.yaml"]
        for flag in ("two_way: false", "two_way: true"):
            hubspot = hubspot.replace(flag, f"two_way: {str(two_way).lower()}")
        texts["hubspot.yaml"] = hubspot
    return compile_definition(parse_definition(texts))


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def sf_stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sf_lead(
    record_id: str = "00Q000000000001AAA",
    status: str | None = None,
    email: str | None = "ada@example.com",
    *,
    entered: datetime | None = None,
    converted: bool = False,
    locked: bool = False,
    owner: str | None = "005000000000001AAA",
    bant: bool = False,
    **extra: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A Lead as the REST API returns it, plus its LeadHistory rows (one Status change at `entered`)."""
    record: dict[str, Any] = {
        "attributes": {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{record_id}"},
        "Id": record_id,
        "Status": status,
        "Email": email,
        "OwnerId": owner,
        "IsConverted": converted,
        "Leadsync_Lock__c": locked,
        "CreatedDate": sf_stamp(at(1)),
        "SystemModstamp": sf_stamp(at(20)),
    }
    if bant:
        record.update(Budget__c="50k", Authority__c="VP", Need__c="CRM hygiene", Timeline__c="Q1")
    record.update(extra)
    history = [] if entered is None else [
        {"LeadId": record_id, "Field": "Status", "OldValue": None, "NewValue": status, "CreatedDate": sf_stamp(entered)}
    ]
    return record, history


def hs_contact(
    record_id: str = "501",
    lifecycle: str | None = None,
    email: str | None = "ada@example.com",
    *,
    lead_status: str | None = None,
    score: Any = None,
    entered: datetime | None = None,
    status_changed: datetime | None = None,
    engagement: datetime | None = None,
    sf_id: str | None = None,
    **properties: Any,
) -> dict[str, Any]:
    """A contact as the CRM v3 API returns it, with `hs_v2_date_entered_<stage>` for its lifecycle stage."""
    props: dict[str, Any] = {
        "hs_object_id": record_id,
        "email": email,
        "lifecyclestage": lifecycle,
        "hs_lead_status": lead_status,
        "hubspotscore": None if score is None else str(score),
        "hs_last_sales_activity_timestamp": engagement.isoformat().replace("+00:00", "Z") if engagement else None,
        "salesforceleadid": sf_id,
    }
    if lifecycle and entered:
        props[f"hs_v2_date_entered_{lifecycle}"] = entered.isoformat().replace("+00:00", "Z")
    props.update(properties)
    contact: dict[str, Any] = {"id": record_id, "properties": props, "archived": False}
    if lead_status and status_changed:
        stamp = status_changed.isoformat().replace("+00:00", "Z")
        contact["propertiesWithHistory"] = {
            "hs_lead_status": [{"value": lead_status, "timestamp": stamp, "sourceType": "CRM_UI"}]
        }
    return contact
