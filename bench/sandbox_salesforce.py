"""Serving rate of the Salesforce sandbox with zero latency: REST query pages and Bulk 2.0 result pages, via simple-salesforce."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import SFBulk2Handler

from sandbox.salesforce import SalesforceSandbox

LEADS = 50_000
SOQL = "SELECT Id, FirstName, LastName, Company, Email, Status, OwnerId, CreatedDate, LastModifiedDate FROM Lead"


def lead_rows(count: int) -> Iterator[dict[str, object]]:
    for i in range(count):
        yield {"FirstName": f"First{i}", "LastName": f"Last{i}", "Company": f"Company {i % 997}",
               "Email": f"lead{i}@example.com", "Status": "Working - Contacted" if i % 3 else "Open - Not Contacted",
               "CreatedDate": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z"}


def rest_rate(sf: Salesforce) -> float:
    started = time.perf_counter()
    count = sum(1 for _ in sf.query_all_iter(SOQL))
    elapsed = time.perf_counter() - started
    assert count == LEADS, count
    return count / elapsed


def bulk_rate(sf: Salesforce) -> float:
    started = time.perf_counter()
    bulk = cast(SFBulk2Handler, sf.bulk2)  # Salesforce.__getattr__ is typed as any of its handlers
    pages = bulk.Lead.query(SOQL, max_records=10_000, wait=0)
    count = sum(str(page).count("\n") - 1 for page in pages)  # typed str | int; the CSV pages are str
    elapsed = time.perf_counter() - started
    assert count == LEADS, count
    return count / elapsed


def main() -> None:
    sandbox = SalesforceSandbox()
    started = time.perf_counter()
    sandbox.load_leads(lead_rows(LEADS))
    print(f"loaded {LEADS} leads in {time.perf_counter() - started:.2f}s")
    with sandbox.serve() as conn:
        # requests lets REQUESTS_CA_BUNDLE override session.verify, so point it at the sandbox CA.
        os.environ["REQUESTS_CA_BUNDLE"] = str(conn.ca_bundle)
        with requests.Session() as http:
            sf = Salesforce(instance_url=conn.instance_url, session_id=conn.session_id, session=http)
            rest = max(rest_rate(sf) for _ in range(3))
            bulk = max(bulk_rate(sf) for _ in range(3))
    print(f"REST query pages (2,000/page, {LEADS} leads): {rest:,.0f} records/s")
    print(f"Bulk 2.0 result pages (10,000/page): {bulk:,.0f} records/s")
    print(f"sandbox-salesforce: {int(rest)} records/s")


if __name__ == "__main__":
    main()
