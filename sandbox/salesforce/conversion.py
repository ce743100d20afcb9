"""A converted lead's Account and Contact: created when a lead is loaded or written as converted without them."""

from __future__ import annotations

from .store import Org, Row, Table


def link_converted(org: Org, leads: Table, lead: Row) -> None:
    """Make `ConvertedAccountId`/`ConvertedContactId` name real records, creating them from the lead when absent.

    Ids given by a seed but missing from the org are created under those ids, so seeds may pick them.
    """
    account_id = _ensure(org, "Account", leads.get(lead, "ConvertedAccountId"), _account_values(leads, lead))
    leads.set(lead, "ConvertedAccountId", account_id)
    contact = _contact_values(leads, lead) | {"AccountId": account_id}
    leads.set(lead, "ConvertedContactId", _ensure(org, "Contact", leads.get(lead, "ConvertedContactId"), contact))


def _ensure(org: Org, sobject: str, wanted: object, values: dict[str, object]) -> str:
    table = org.tables[sobject]
    if isinstance(wanted, str) and wanted in table.rows:
        return wanted
    record_id = wanted if isinstance(wanted, str) and wanted.startswith(table.spec.key_prefix) else None
    record_id = record_id or org.ids.mint(table.spec.key_prefix)
    row = table.insert(record_id, values)
    if sobject == "Contact":
        parts = [table.get(row, "FirstName"), table.get(row, "LastName")]
        table.set(row, "Name", " ".join(str(p) for p in parts if p))
    return record_id


def _audit(leads: Table, lead: Row) -> dict[str, object]:
    stamp = leads.get(lead, "LastModifiedDate") or leads.get(lead, "CreatedDate")
    creator = leads.get(lead, "LastModifiedById") or leads.get(lead, "CreatedById")
    return {"IsDeleted": False, "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp,
            "CreatedById": creator, "LastModifiedById": creator, "OwnerId": leads.get(lead, "OwnerId")}


def _account_values(leads: Table, lead: Row) -> dict[str, object]:
    copied = {name: leads.get(lead, name) for name in ("Website", "Phone", "Industry", "Rating", "AnnualRevenue")}
    return _audit(leads, lead) | copied | {"Name": leads.get(lead, "Company") or leads.get(lead, "LastName")}


def _contact_values(leads: Table, lead: Row) -> dict[str, object]:
    names = ("FirstName", "LastName", "Salutation", "Title", "Email", "Phone", "MobilePhone", "LeadSource")
    return _audit(leads, lead) | {name: leads.get(lead, name) for name in names}
