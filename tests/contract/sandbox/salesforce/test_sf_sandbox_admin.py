"""The call counter and the admin endpoints (which are not counted as API calls)."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceGeneralError

from sandbox.salesforce import SalesforceConnection, SalesforceSandbox


def test_counter_via_python_api_and_admin_endpoint(
    sandbox: SalesforceSandbox, sf: Salesforce, conn: SalesforceConnection, http: requests.Session
) -> None:
    sf.query("SELECT COUNT() FROM Lead")
    lead_id = sf.Lead.create({"LastName": "C", "Company": "C"})["id"]
    sf.Lead.update(lead_id, {"Status": "Working - Contacted"})
    sf.Lead.get(lead_id)
    expected = {"sf.query": 1, "sf.sobject.create": 1, "sf.sobject.update": 1, "sf.sobject.get": 1}
    assert sandbox.calls.snapshot() == expected
    assert http.get(f"{conn.admin_url}/calls").json() == expected
    assert http.post(f"{conn.admin_url}/reset-calls").status_code == 200
    assert sandbox.calls.snapshot() == {}


def test_faults_and_switches_over_http(
    sandbox: SalesforceSandbox, sf: Salesforce, conn: SalesforceConnection, http: requests.Session
) -> None:
    fault = {"endpoint": "sf.query", "kind": "unavailable", "nth": 1}
    assert http.post(f"{conn.admin_url}/faults", json=fault).status_code == 201
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT COUNT() FROM Lead")
    http.post(f"{conn.admin_url}/faults", json=fault | {"nth": 2})
    http.delete(f"{conn.admin_url}/faults")
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0
    switches = http.post(f"{conn.admin_url}/switches", json={"restricted_picklist": True}).json()
    assert switches["restricted_picklist"] is True and sandbox.switches.restricted_picklist is True
    assert http.post(f"{conn.admin_url}/switches", json={"bogus": 1}).status_code == 400
    assert http.post(f"{conn.admin_url}/latency", json={"fixed_ms": 5, "jitter_ms": 1}).status_code == 200
    assert sandbox.latency.fixed_ms == 5
