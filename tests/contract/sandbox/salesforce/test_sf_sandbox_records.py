"""sObject CRUD, describe, converted leads, LeadHistory, assignment rule and the restricted Status picklist."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox.salesforce import SalesforceSandbox

NO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


def test_create_get_update_delete(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    created = sf.Lead.create({"FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines"})
    assert created["success"] and created["id"].startswith("00Q") and len(created["id"]) == 18
    record = sf.Lead.get(created["id"])
    assert (record["Name"], record["Status"], record["IsDeleted"]) == ("Ada Lovelace", "Open - Not Contacted", False)
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert sf.Lead.update(created["id"], {"Email": "ada@example.com"}, headers=NO_ASSIGN) == 204
    updated = sf.Lead.get(created["id"])
    assert updated["Email"] == "ada@example.com"
    assert updated["SystemModstamp"] >= record["SystemModstamp"]
    assert sf.Lead.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Lead.get(created["id"])
    assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_missing_required_fields_and_read_only_fields(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Lead.create({"LastName": "NoCompany"})
    assert missing.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    lead_id = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sf.Lead.update(lead_id, {"IsConverted": True})
    assert read_only.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.Lead.update(lead_id, {"Nope__c": 1})
    assert unknown.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_unknown_id_is_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get("00Q000000000000AAA")


def test_converted_lead_cannot_be_updated(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads([{"LastName": "Done", "Company": "C", "IsConverted": True, "ConvertedDate": "2024-02-01",
                         "Status": "Closed - Converted"}])
    lead_id = sf.query("SELECT Id FROM Lead WHERE IsConverted = true")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Lead.update(lead_id, {"Status": "Working - Contacted"})
    assert caught.value.content[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_status_change_writes_lead_history(sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "H", "Company": "C"})["id"]
    sf.Lead.update(lead_id, {"Status": "Working - Contacted"}, headers=NO_ASSIGN)
    sf.Lead.update(lead_id, {"Email": "h@example.com"}, headers=NO_ASSIGN)
    rows = sf.query_all(
        f"SELECT LeadId, Field, OldValue, NewValue, CreatedDate FROM LeadHistory WHERE LeadId = '{lead_id}' "
        "AND Field = 'Status' ORDER BY CreatedDate"
    )["records"]
    assert [(r["OldValue"], r["NewValue"]) for r in rows] == [("Open - Not Contacted", "Working - Contacted")]


def test_history_tracking_switch_off_writes_nothing(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.switches.status_history = False
    lead_id = sf.Lead.create({"LastName": "H", "Company": "C"})["id"]
    sf.Lead.update(lead_id, {"Status": "Working - Contacted"})
    assert sf.query("SELECT COUNT() FROM LeadHistory")["totalSize"] == 0


def test_assignment_rule_reassigns_owner_unless_auto_assign_false(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    owner = sandbox.org.api_user_id
    sandbox.load_leads([{"LastName": "A", "Company": "C", "OwnerId": owner}, {"LastName": "B", "Company": "C", "OwnerId": owner}])
    a, b = (r["Id"] for r in sf.query("SELECT Id FROM Lead ORDER BY LastName")["records"])
    sf.Lead.update(a, {"Status": "Working - Contacted"}, headers=NO_ASSIGN)
    sf.Lead.update(b, {"Status": "Working - Contacted"})
    assert sf.Lead.get(a)["OwnerId"] == owner
    assert sf.Lead.get(b)["OwnerId"] == sandbox.org.router_user_id
    sandbox.switches.assignment_rule = False
    sf.Lead.update(a, {"Status": "Open - Not Contacted"})
    assert sf.Lead.get(a)["OwnerId"] == owner


def test_restricted_picklist_switch(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "P", "Company": "C"})["id"]
    sf.Lead.update(lead_id, {"Status": "Brand New Stage"})
    assert sf.Lead.get(lead_id)["Status"] == "Brand New Stage"
    sandbox.switches.restricted_picklist = True
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Lead.update(lead_id, {"Status": "Another Stage"})
    assert caught.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert caught.value.content[0]["fields"] == ["Status"]


def test_describe_lists_status_picklist_values(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.set_lead_statuses([{"fullName": "New", "default": True}, "Working", {"fullName": "Won", "converted": True}])
    status = next(f for f in sf.Lead.describe()["fields"] if f["name"] == "Status")
    assert [v["value"] for v in status["picklistValues"]] == ["New", "Working", "Won"]
    assert (status["defaultValue"], status["restrictedPicklist"], status["nillable"]) == ("New", False, False)
    assert sf.Lead.create({"LastName": "D", "Company": "C"}) and sandbox.switches.restricted_picklist is False
    names = {s["name"] for s in sf.describe()["sobjects"]}
    assert {"Lead", "LeadHistory", "LeadStatus", "Task", "Event", "User"} <= names


def test_limits_and_limit_info_header(sf: Salesforce) -> None:
    sf.query("SELECT COUNT() FROM Lead")
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (1, 100_000)
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 100_000, "Remaining": 100_000 - 2}
    assert sf.api_usage["api-usage"].used == 2


def test_converted_lead_points_at_real_account_and_contact(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads([{"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy", "Email": "grace@navy.example",
                         "IsConverted": True, "ConvertedDate": "2024-02-01", "Status": "Closed - Converted"}])
    lead = sf.query("SELECT Id, ConvertedAccountId, ConvertedContactId, ConvertedAccount.Name, ConvertedContact.Email "
                    "FROM Lead WHERE IsConverted = true")["records"][0]
    assert lead["ConvertedAccountId"].startswith("001") and lead["ConvertedContactId"].startswith("003")
    assert (lead["ConvertedAccount"]["Name"], lead["ConvertedContact"]["Email"]) == ("Navy", "grace@navy.example")
    account = sf.Account.get(lead["ConvertedAccountId"])
    contact = sf.Contact.get(lead["ConvertedContactId"])
    assert (account["Name"], contact["Name"], contact["AccountId"]) == ("Navy", "Grace Hopper", account["Id"])
    found = sf.query(f"SELECT Id, Account.Name FROM Contact WHERE AccountId = '{account['Id']}'")["records"]
    assert [(c["Id"], c["Account"]["Name"]) for c in found] == [(contact["Id"], "Navy")]
    assert sf.query("SELECT COUNT() FROM Lead WHERE IsConverted = false")["totalSize"] == 0
    names = {f["name"] for f in sf.Contact.describe()["fields"]}
    assert {"AccountId", "FirstName", "LastName", "Email"} <= names


def test_seeded_conversion_ids_become_records(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    account_id, contact_id = "001000000000042AAA", "003000000000042AAA"
    sandbox.load_leads([{"LastName": "Seeded", "Company": "Seeds Inc", "IsConverted": True,
                         "ConvertedAccountId": account_id, "ConvertedContactId": contact_id}])
    assert sf.Account.get(account_id)["Name"] == "Seeds Inc"
    assert sf.Contact.get(contact_id)["AccountId"] == account_id
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 1
