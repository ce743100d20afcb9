"""Bulk API 1.0 query jobs: simple-salesforce's `sf.bulk` (JSON) and the documented XML/CSV wire by hand."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceConnection, SalesforceSandbox

from .conftest import lead_rows

NS = 'xmlns="http://www.force.com/2009/06/asyncapi/dataload"'


def _tag(xml: str, name: str) -> str:
    found = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    assert found, f"no <{name}> in {xml}"
    return found.group(1)


def test_sf_bulk_query_returns_json_records_with_epoch_datetimes(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(25))
    records = sf.bulk.Lead.query("SELECT Id, LastName, CreatedDate, IsConverted, Owner.Name FROM Lead", wait=0)
    assert len(records) == 25
    first = records[0]
    assert first["attributes"]["type"] == "Lead" and first["Id"].startswith("00Q")
    assert isinstance(first["CreatedDate"], int) and first["IsConverted"] is False
    assert first["Owner"]["Name"] == "Integration User"
    calls = sandbox.calls.snapshot()
    assert calls["sf.bulk1.job.create"] == calls["sf.bulk1.job.close"] == calls["sf.bulk1.batch.results"] == 1


def test_sf_bulk_query_all_sees_deleted_rows(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(3))
    sf.Lead.delete(sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"])
    assert len(sf.bulk.Lead.query("SELECT Id FROM Lead", wait=0)) == 2
    assert len(sf.bulk.Lead.query_all("SELECT Id FROM Lead", wait=0)) == 3


def test_xml_job_with_csv_results(sandbox: SalesforceSandbox, conn: SalesforceConnection, http: requests.Session) -> None:
    sandbox.load_leads(lead_rows(4))
    base = f"{conn.instance_url}/services/async/59.0/job"
    xml = {"X-SFDC-Session": conn.session_id, "Content-Type": "application/xml; charset=UTF-8"}
    created = http.post(base, headers=xml, data=f'<?xml version="1.0" encoding="UTF-8"?><jobInfo {NS}>'
                        "<operation>query</operation><object>Lead</object><contentType>CSV</contentType></jobInfo>")
    assert created.status_code == 201 and "<jobInfo" in created.text
    job_id = _tag(created.text, "id")
    assert (_tag(created.text, "state"), _tag(created.text, "contentType")) == ("Open", "CSV")
    assert job_id.startswith("750") and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}\.\d{3}Z", _tag(created.text, "createdDate"))
    csv_headers = {"X-SFDC-Session": conn.session_id, "Content-Type": "text/csv; charset=UTF-8"}
    batch = http.post(f"{base}/{job_id}/batch", headers=csv_headers, data="SELECT Id, LastName FROM Lead")
    assert batch.status_code == 201 and _tag(batch.text, "state") == "Queued"
    batch_id = _tag(batch.text, "id")
    states = [_tag(http.get(f"{base}/{job_id}/batch/{batch_id}", headers=xml).text, "state") for _ in range(2)]
    assert states == ["InProgress", "Completed"]
    listing = http.get(f"{base}/{job_id}/batch/{batch_id}/result", headers=xml).text
    assert "<result-list" in listing
    rows = list(csv.DictReader(io.StringIO(http.get(f"{base}/{job_id}/batch/{batch_id}/result/"
                                                     f"{_tag(listing, 'result')}", headers=xml).text)))
    assert len(rows) == 4 and set(rows[0]) == {"Id", "LastName"}
    closed = http.post(f"{base}/{job_id}", headers=xml, data=f"<jobInfo {NS}><state>Closed</state></jobInfo>")
    assert (_tag(closed.text, "state"), _tag(closed.text, "numberBatchesCompleted")) == ("Closed", "1")
    refused = http.post(f"{base}/{job_id}/batch", headers=csv_headers, data="SELECT Id FROM Lead")
    assert refused.status_code == 400 and _tag(refused.text, "exceptionCode") == "InvalidJobState"


def test_bad_soql_fails_the_batch(conn: SalesforceConnection, http: requests.Session) -> None:
    base = f"{conn.instance_url}/services/async/59.0/job"
    headers = {"X-SFDC-Session": conn.session_id, "Content-Type": "application/json"}
    job = http.post(base, headers=headers, json={"operation": "query", "object": "Lead", "contentType": "JSON"}).json()
    assert (job["state"], job["apiVersion"]) == ("Open", 59.0)
    batch = http.post(f"{base}/{job['id']}/batch", headers=headers, data="SELECT Nope FROM Lead").json()
    assert batch["state"] == "Failed" and "INVALID_FIELD" in batch["stateMessage"]


@pytest.mark.parametrize("content_type", ["application/json", "application/xml"])
def test_unknown_session_is_invalid_session_id(conn: SalesforceConnection, http: requests.Session,
                                               content_type: str) -> None:
    answer = http.post(f"{conn.instance_url}/services/async/59.0/job", data="{}",
                       headers={"X-SFDC-Session": "00Dbogus", "Content-Type": content_type})
    assert answer.status_code == 400 and "InvalidSessionId" in answer.text


def test_csv_job_batches_answer_xml_whatever_the_request_content_type(
        sandbox: SalesforceSandbox, conn: SalesforceConnection, http: requests.Session) -> None:
    """tap-salesforce creates a CSV job in JSON, then polls its batch sending Content-Type application/json and
    parses XML: batch-level answers follow the job's content type, job-level ones the request's."""
    sandbox.load_leads(lead_rows(3))
    base = f"{conn.instance_url}/services/async/59.0/job"
    as_json = {"X-SFDC-Session": conn.session_id, "Content-Type": "application/json"}
    job = http.post(base, headers=as_json, json={"operation": "queryAll", "object": "Lead", "contentType": "CSV"})
    assert job.status_code == 201 and job.json()["contentType"] == "CSV"
    job_id = job.json()["id"]
    batch = http.post(f"{base}/{job_id}/batch", headers={**as_json, "Content-Type": "text/csv"},
                      data="SELECT Id FROM Lead")
    assert batch.headers["Content-Type"].startswith("application/xml") and "<batchInfo" in batch.text
    batch_id = _tag(batch.text, "id")
    polled = [http.get(f"{base}/{job_id}/batch/{batch_id}", headers=as_json) for _ in range(2)]
    assert all(p.headers["Content-Type"].startswith("application/xml") for p in polled)
    assert _tag(polled[-1].text, "state") == "Completed"
    listing = http.get(f"{base}/{job_id}/batch/{batch_id}/result", headers=as_json).text
    assert "<result-list" in listing
    closed = http.post(f"{base}/{job_id}", headers=as_json, json={"state": "Closed"})
    assert closed.json()["state"] == "Closed"
