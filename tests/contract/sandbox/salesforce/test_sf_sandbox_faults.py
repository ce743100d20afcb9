"""Injected faults, latency and the daily API budget, as the unmodified client experiences them."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceExpiredSession, SalesforceGeneralError, SalesforceRefusedRequest

from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce import SalesforceConnection, SalesforceSandbox

COUNT = "SELECT COUNT() FROM Lead"


@pytest.mark.parametrize(
    ("kind", "status"),
    [(FaultKind.RATE_LIMIT, 429), (FaultKind.RATE_LIMIT_NO_RETRY_AFTER, 429), (FaultKind.UNAVAILABLE, 503)],
)
def test_http_error_faults_surface_as_general_errors(
    sandbox: SalesforceSandbox, sf: Salesforce, kind: FaultKind, status: int
) -> None:
    sandbox.inject(Fault("sf.query", kind, nth=1))
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query(COUNT)
    assert caught.value.status == status
    assert isinstance(caught.value.content, list) and caught.value.content[0]["errorCode"]
    assert sf.query(COUNT)["totalSize"] == 0


def test_retry_after_header_is_present_only_when_asked(
    sandbox: SalesforceSandbox, conn: SalesforceConnection, http: requests.Session
) -> None:
    url = f"{conn.instance_url}/services/data/v59.0/limits/"
    headers = {"Authorization": f"Bearer {conn.session_id}"}
    sandbox.inject(Fault("sf.limits", FaultKind.RATE_LIMIT, nth=1, delay_s=7))
    sandbox.inject(Fault("sf.limits", FaultKind.RATE_LIMIT_NO_RETRY_AFTER, nth=2))
    first, second = http.get(url, headers=headers), http.get(url, headers=headers)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert first.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_html_bad_gateway(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.query", FaultKind.BAD_GATEWAY_HTML, nth=1))
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query(COUNT)
    assert caught.value.status == 502
    assert "<html>" in caught.value.content


def test_connection_reset(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.query", FaultKind.CONNECTION_RESET, nth=1))
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query(COUNT)
    assert sf.query(COUNT)["totalSize"] == 0


def test_slow_response_trips_the_client_timeout(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.query", FaultKind.SLOW, nth=1, delay_s=0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf.query(COUNT, timeout=0.2)


def test_invalid_session_on_a_direct_session(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.query", FaultKind.INVALID_SESSION, nth=1))
    with pytest.raises(SalesforceExpiredSession):
        sf.query(COUNT)


def test_invalid_session_makes_a_login_client_relogin(sandbox: SalesforceSandbox, sf_login: Salesforce) -> None:
    sandbox.inject(Fault("sf.query", FaultKind.INVALID_SESSION, nth=1))
    assert sf_login.query(COUNT)["totalSize"] == 0
    assert sandbox.calls.snapshot()["sf.login.soap"] == 2


def test_probability_faults_fire_at_most_times(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.inject(Fault("sf.*", FaultKind.UNAVAILABLE, probability=1.0, times=2))
    outcomes = []
    for _ in range(3):
        try:
            sf.query(COUNT)
            outcomes.append("ok")
        except SalesforceGeneralError as error:
            outcomes.append(str(error.status))
    assert outcomes == ["503", "503", "ok"]
    assert sandbox.faults.injected["unavailable"] == 2


def test_daily_budget_exhaustion_is_403_request_limit_exceeded(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.switches.daily_api_max = 2
    sf.query(COUNT)
    sf.query(COUNT)
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query(COUNT)
    assert caught.value.status == 403
    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert sf.api_usage["api-usage"].used == 2


def test_latency_is_added_to_every_call(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.set_latency(120, 0)
    started = time.perf_counter()
    sf.query(COUNT)
    assert time.perf_counter() - started >= 0.12


def test_row_lock_on_single_record_update(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    sandbox.inject(Fault("sf.sobject.update", FaultKind.ROW_LOCK, nth=1, record_ids=frozenset({lead_id})))
    with pytest.raises(Exception) as caught:
        sf.Lead.update(lead_id, {"Status": "Working - Contacted"})
    assert caught.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"  # type: ignore[attr-defined]
