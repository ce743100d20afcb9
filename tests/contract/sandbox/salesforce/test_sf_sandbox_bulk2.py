"""Bulk API 2.0 through `sf.bulk2.Lead`: query with locator paging, ingest round trip, failed rows."""

from __future__ import annotations

import csv
import io

from simple_salesforce import Salesforce

from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce import SalesforceSandbox

from .conftest import lead_rows


def _rows(pages: list[str]) -> list[dict[str, str]]:
    return [row for page in pages for row in csv.DictReader(io.StringIO(page))]


def test_query_pages_by_locator(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(2_500))
    pages = list(sf.bulk2.Lead.query("SELECT Id, LastName, Owner.Name, IsConverted FROM Lead", max_records=1_000, wait=0))
    assert len(pages) == 3
    rows = _rows(pages)
    assert len(rows) == len({r["Id"] for r in rows}) == 2_500
    assert rows[0].keys() == {"Id", "LastName", "Owner.Name", "IsConverted"}
    assert (rows[0]["Owner.Name"], rows[0]["IsConverted"]) == ("Integration User", "false")
    assert sandbox.calls.snapshot()["sf.bulk2.query.results"] == 3


def test_ingest_update_round_trip(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(3))
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Lead ORDER BY LastName")["records"]]
    records = [{"Id": i, "Status": "Closed - Not Converted"} for i in ids[:2]] + [{"Id": ids[2], "Company": "#N/A"}]
    [result] = sf.bulk2.Lead.update(records=records, wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (3, 1)
    assert [sf.Lead.get(i)["Status"] for i in ids[:2]] == ["Closed - Not Converted"] * 2
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_failed_records(result["job_id"]))))
    assert failed[0]["sf__Id"] == ids[2] and failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    done = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_successful_records(result["job_id"]))))
    assert {r["sf__Id"] for r in done} == set(ids[:2]) and done[0]["sf__Created"] == "false"
    assert sf.bulk2.Lead.get_unprocessed_records(result["job_id"]).strip() != ""
    history = sf.query("SELECT COUNT() FROM LeadHistory WHERE Field = 'Status'")["totalSize"]
    assert history == 2


def test_ingest_insert_and_row_lock_fault(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.bulk2.ingest.close", FaultKind.ROW_LOCK, nth=1))
    [locked] = sf.bulk2.Lead.insert(records=[{"LastName": "B", "Company": "C"}], wait=0)
    assert locked["numberRecordsFailed"] == 1
    error = next(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_failed_records(locked["job_id"]))))["sf__Error"]
    assert error.startswith("UNABLE_TO_LOCK_ROW:")
    [inserted] = sf.bulk2.Lead.insert(records=[{"LastName": "B", "Company": "C"}], wait=0)
    assert inserted["numberRecordsFailed"] == 0
    assert sf.query("SELECT COUNT() FROM Lead WHERE LastName = 'B'")["totalSize"] == 1
