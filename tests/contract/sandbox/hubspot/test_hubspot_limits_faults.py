"""Contract: rate limits with HubSpot's 429 bodies and headers, scripted faults, latency, counters (§7)."""

from __future__ import annotations

import json
import time
import urllib.error
from typing import TYPE_CHECKING

import hubspot
import pytest
import urllib3
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
)
from hubspot.crm.contacts.exceptions import ServiceException, UnauthorizedException

from sandbox.hubspot import ENDPOINT_KEYS, HubSpotSandbox
from sandbox.runtime import Fault, FaultKind

if TYPE_CHECKING:
    from conftest import Hub


def _read_one(hub: Hub) -> object:
    body = BatchReadInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id="1")])
    return hub.client.crm.contacts.batch_api.read(body)


def _search(hub: Hub, **kwargs: object) -> object:
    return hub.client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=1), **kwargs)


class TestRateLimits:
    def test_burst_past_the_10_second_limit_is_429_with_the_real_body_and_headers(self, hub: Hub) -> None:
        hub.seed(1)
        hub.sandbox.set_switches(limit_per_10s=5, daily_limit=1000)
        api = hub.client.crm.contacts.batch_api
        for n in range(5):
            _, _, headers = api.read_with_http_info(
                BatchReadInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id="1")])
            )
            assert headers["X-HubSpot-RateLimit-Remaining"] == str(4 - n)
            assert headers["X-HubSpot-RateLimit-Max"] == "5"
            assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        with pytest.raises(ApiException) as caught:
            _read_one(hub)
        error = caught.value
        body = json.loads(error.body)
        assert error.status == 429 and "category" not in body
        assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
        assert body["message"] == "You have reached your ten_secondly_rolling limit."
        assert body["groupName"].startswith("publicapi:private_app-api-calls-ten-secondly:")
        assert error.headers["X-HubSpot-RateLimit-Remaining"] == "0"
        assert error.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "995"
        assert error.headers.get("Retry-After") is None
        assert hub.sandbox.calls.snapshot()["hs.contacts.batch_read"] == 6

    def test_retry_after_is_sent_when_switched_on(self, hub: Hub) -> None:
        hub.sandbox.set_switches(limit_per_10s=1, retry_after_on_429=True)
        _read_one(hub)
        with pytest.raises(ApiException) as caught:
            _read_one(hub)
        assert 1 <= int(caught.value.headers["Retry-After"]) <= 10

    def test_search_is_limited_per_second(self, hub: Hub) -> None:
        hub.sandbox.set_switches(search_per_second=2, limit_per_10s=100)
        _search(hub)
        _search(hub)
        with pytest.raises(ApiException) as caught:
            _search(hub)
        body = json.loads(caught.value.body)
        assert caught.value.status == 429 and body["policyName"] == "SECONDLY"
        assert body["message"] == "You have reached your secondly limit."
        time.sleep(1.05)
        _search(hub)
        assert hub.admin("GET", "calls")[1]["refused"] == {"SECONDLY": 1}  # what a client's pacing keeps at 0

    def test_daily_limit(self, hub: Hub) -> None:
        hub.sandbox.set_switches(daily_limit=2)
        _read_one(hub)
        _read_one(hub)
        with pytest.raises(ApiException) as caught:
            _read_one(hub)
        assert json.loads(caught.value.body)["policyName"] == "DAILY"
        assert caught.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


class TestFaults:
    def test_429_with_retry_after_on_the_nth_call(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.search", FaultKind.RATE_LIMIT, nth=2)
        _search(hub)
        with pytest.raises(ApiException) as caught:
            _search(hub)
        assert caught.value.status == 429 and caught.value.headers["Retry-After"] == "1"
        assert json.loads(caught.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
        _search(hub)

    def test_429_without_retry_after_on_a_get_is_not_retried_by_urllib3(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.list", FaultKind.RATE_LIMIT_NO_RETRY_AFTER, nth=1)
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.basic_api.get_page()
        assert caught.value.status == 429 and caught.value.headers.get("Retry-After") is None
        assert hub.sandbox.calls.snapshot()["hs.contacts.list"] == 1

    def test_503_raises_service_exception(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.*", FaultKind.UNAVAILABLE, nth=1)
        with pytest.raises(ServiceException) as caught:
            hub.client.crm.contacts.basic_api.get_page()
        assert caught.value.status == 503 and json.loads(caught.value.body)["status"] == "error"

    def test_html_502_raises_service_exception_with_the_html(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.search", FaultKind.BAD_GATEWAY_HTML, nth=1)
        with pytest.raises(ServiceException) as caught:
            _search(hub)
        assert caught.value.status == 502 and "<html>" in caught.value.body

    def test_expired_token_is_401(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.list", FaultKind.INVALID_SESSION, nth=1)
        with pytest.raises(UnauthorizedException) as caught:
            hub.client.crm.contacts.basic_api.get_page()
        assert json.loads(caught.value.body)["category"] == "EXPIRED_AUTHENTICATION"

    def test_slow_response_trips_the_client_timeout(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.search", FaultKind.SLOW, nth=1, delay_s=1.0)
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            _search(hub, _request_timeout=0.2)
        assert time.monotonic() - started < 0.9

    def test_partial_batch_failure_is_207_with_per_record_errors(self, hub: Hub) -> None:
        hub.seed(3)
        hub.sandbox.inject(
            "hs.contacts.batch_update", FaultKind.PARTIAL_FAILURE, nth=1, record_ids=frozenset({"2"})
        )
        body = BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=i, properties={"hs_lead_status": "OPEN"})
                for i in ("1", "2", "3")
            ]
        )
        result, status, _ = hub.client.crm.contacts.batch_api.update_with_http_info(body)
        assert status == 207 and result.num_errors == 1 and result.errors[0].context == {"ids": ["2"]}
        assert sorted(c.id for c in result.results) == ["1", "3"]
        assert "hs_lead_status" not in hub.sandbox.contact("2")["properties"]

    def test_connection_reset_on_post_raises_and_on_get_is_retried(self, hub: Hub) -> None:
        hub.sandbox.inject("hs.contacts.search", FaultKind.CONNECTION_RESET, nth=1)
        with pytest.raises(urllib3.exceptions.ProtocolError):
            _search(hub)
        hub.sandbox.inject("hs.contacts.list", FaultKind.CONNECTION_RESET, nth=1)
        assert hub.client.crm.contacts.basic_api.get_page().results == []
        assert hub.sandbox.calls.snapshot()["hs.contacts.list"] == 2  # urllib3's default Retry resent the GET

    def test_probability_faults_are_seeded(self, hub: Hub) -> None:
        hub.sandbox.faults.add(
            Fault(endpoint="hs.contacts.list", kind=FaultKind.UNAVAILABLE, probability=0.5, times=None)
        )
        outcomes = []
        for _ in range(20):
            try:
                hub.client.crm.contacts.basic_api.get_page()
                outcomes.append(True)
            except ServiceException:
                outcomes.append(False)
        assert 0 < outcomes.count(False) < 20
        assert hub.sandbox.faults.injected["unavailable"] == outcomes.count(False)


class TestAdminAndCounters:
    def test_counter_via_python_api_and_admin_endpoint(self, hub: Hub) -> None:
        hub.seed(1)
        hub.client.crm.contacts.basic_api.get_page()
        hub.client.crm.contacts.basic_api.get_by_id("1")
        _search(hub)
        expected = {"hs.contacts.list": 1, "hs.contacts.get": 1, "hs.contacts.search": 1}
        assert hub.sandbox.calls.snapshot() == expected
        status, body = hub.admin("GET", "calls")
        assert status == 200 and body["calls"] == expected and body["total"] == 3
        assert hub.admin("POST", "reset-calls")[0] == 204
        assert hub.sandbox.calls.snapshot() == {}

    def test_faults_latency_and_switches_through_admin(self, hub: Hub) -> None:
        status, body = hub.admin(
            "POST", "faults", {"endpoint": "hs.contacts.list", "kind": "unavailable", "nth": 1}
        )
        assert status == 201 and body["fault"]["kind"] == "unavailable"
        with pytest.raises(ServiceException):
            hub.client.crm.contacts.basic_api.get_page()
        hub.admin(
            "POST", "faults", {"endpoint": "*", "kind": "unavailable", "probability": 1.0, "times": None}
        )
        assert hub.admin("DELETE", "faults")[0] == 204
        hub.client.crm.contacts.basic_api.get_page()
        status, body = hub.admin("POST", "latency", {"fixed_ms": 150})
        assert body == {"fixed_ms": 150.0, "jitter_ms": 0.0}
        started = time.monotonic()
        hub.client.crm.contacts.basic_api.get_page()
        assert time.monotonic() - started >= 0.15
        status, switches = hub.admin("POST", "switches", {"lifecycle_backward": "reject", "index_lag_ms": 10})
        assert switches["lifecycle_backward"] == "reject" and hub.sandbox.switches.index_lag_ms == 10
        assert hub.sandbox.calls.total() == 3

    def test_bad_admin_input_is_400(self, hub: Hub) -> None:
        with pytest.raises(urllib.error.HTTPError) as caught:
            hub.admin("POST", "switches", {"lifecycle_backward": "sideways"})
        assert caught.value.code == 400

    def test_endpoint_keys_are_documented(self) -> None:
        import sandbox.hubspot as package

        assert "hs.contacts.batch_upsert" in ENDPOINT_KEYS
        for key in ENDPOINT_KEYS:
            assert key.rsplit(".", 1)[-1] in package.__doc__


def test_serve_yields_base_url_and_token() -> None:
    sandbox = HubSpotSandbox(access_token="pat-test")
    with sandbox.serve() as served:
        client = hubspot.HubSpot(access_token=served.access_token, host=served.base_url)
        assert client.crm.contacts.basic_api.get_page().results == []
        assert served.base_url == f"http://127.0.0.1:{served.port}"
