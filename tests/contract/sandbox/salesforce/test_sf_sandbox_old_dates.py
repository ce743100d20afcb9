"""Datetimes and dates of years below 1000 read back zero-padded (`0001-01-01T00:00:00.000+0000`)."""

from __future__ import annotations

import csv
import io

from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceSandbox

YEAR_ONE = "0001-01-01T00:00:00.000+0000"


def test_year_one_datetime_round_trips_through_rest(sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "Old", "Company": "C", "SLA_Due__c": "0001-01-01T00:00:00Z"})["id"]
    assert sf.Lead.get(lead_id)["SLA_Due__c"] == YEAR_ONE
    found = sf.query("SELECT Id, SLA_Due__c FROM Lead WHERE SLA_Due__c = 0001-01-01T00:00:00Z")["records"]
    assert [(r["Id"], r["SLA_Due__c"]) for r in found] == [(lead_id, YEAR_ONE)]
    sf.Lead.update(lead_id, {"SLA_Due__c": "0999-12-31T23:59:59.123+00:00"}, headers={"Sforce-Auto-Assign": "FALSE"})
    assert sf.Lead.get(lead_id)["SLA_Due__c"] == "0999-12-31T23:59:59.123+0000"


def test_year_one_date_and_seeded_datetime(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "Old", "Company": "C"})["id"]
    sandbox.add_tasks([{"WhoId": lead_id, "Subject": "Ancient", "ActivityDate": "0001-01-01",
                        "CreatedDate": "0010-06-01T12:00:00Z"}])
    task = sf.query("SELECT ActivityDate, CreatedDate FROM Task")["records"][0]
    assert (task["ActivityDate"], task["CreatedDate"]) == ("0001-01-01", "0010-06-01T12:00:00.000+0000")


def test_year_one_in_bulk_csv(sf: Salesforce) -> None:
    sf.Lead.create({"LastName": "Old", "Company": "C", "SLA_Due__c": "0001-01-01T00:00:00Z"})
    pages = list(sf.bulk2.Lead.query("SELECT SLA_Due__c FROM Lead", wait=0))
    assert [row["SLA_Due__c"] for row in csv.DictReader(io.StringIO(pages[0]))] == [YEAR_ONE]
