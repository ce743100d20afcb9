"""Adaptive pacing on the HubSpot emulator at its own limits: the limiter learns them from X-HubSpot-RateLimit-*
headers and uses them to the full without a 429; every retry is ours (the client's own are off). Rates are
shown by counts (the emulator's call counter and its Remaining headers), never by wall time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.hubspot.connector import HubSpotConnector
from connectors.ports import TimeWindow
from connectors.settings import HubSpotSettings
from sandbox.hubspot import HubSpotSandbox
from tests.contract.connectors.conftest import DEFAULT

EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
SEARCH_PAGE = 200


def _connector(served: Any, **settings: Any) -> HubSpotConnector:
    return HubSpotConnector(HubSpotSettings(access_token=served.access_token, base_url=served.base_url, **settings),
                            DEFAULT)


def _contacts(sandbox: HubSpotSandbox, count: int) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    sandbox.load_contacts({"id": str(n), "email": f"c{n}@x.io", "lifecyclestage": "lead",
                           "lastmodifieddate": (base + timedelta(seconds=n)).isoformat()} for n in range(1, count + 1))


def test_a_search_heavy_pull_at_the_emulators_limits_meets_no_429_and_fills_every_second(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.set_switches(search_per_second=5, limit_per_10s=100)  # the emulator's defaults: HubSpot's own
    sandbox.set_latency(20, jitter_ms=15)
    _contacts(sandbox, 30 * SEARCH_PAGE)
    sandbox.calls.reset()
    connector = _connector(served)  # default settings: 5 searches a second until the headers say otherwise

    pulled = sum(len(page) for page in connector.source.iter_changed(EVER))

    searches = sandbox.calls.snapshot()["hs.contacts.search"]  # counts refused calls too
    assert pulled == 30 * SEARCH_PAGE and connector.api.rate_limited == 0 and connector.api.retries == 0
    assert searches == connector.budget.calls  # nothing was sent that we did not count
    assert not sandbox.limiter.refused  # the emulator's own 429 counter, by policy
    # at the allowed rate every second's window is used to the full: the answer to its 5th search says 0 remain
    # (at 4 a second, as before, none ever did); the last, partial second may not
    assert connector.api.search_limiter.exhausted >= searches // 5 - 1


def test_the_limiter_follows_headers_announcing_lower_limits_than_configured(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.set_switches(search_per_second=2, limit_per_10s=8)
    _contacts(sandbox, 6 * SEARCH_PAGE)
    sandbox.calls.reset()
    connector = _connector(served, search_calls_per_s=1000, calls_per_10s=10_000)

    assert sum(len(page) for page in connector.source.iter_changed(EVER)) == 6 * SEARCH_PAGE
    for n in range(1, 11):
        connector.source.read_records([str(n)])

    assert (connector.api.search_limiter.limit, connector.api.limiter.limit) == (2, 8)
    assert connector.api.limiter.window_s == 10.0
    assert connector.api.rate_limited == 0 and sandbox.calls.total() == connector.budget.calls
    assert not sandbox.limiter.refused
    assert connector.api.search_limiter.waited_s > 0 and connector.api.limiter.waited_s > 0


def test_a_get_refused_with_retry_after_is_retried_by_us_not_by_the_client(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.add_owners([{"id": "101", "email": "ops@corp.example"}])
    # urllib3's default Retry(3) would silently retry a GET's 429 that names a wait (hubspot.md §1.6)
    sandbox.inject("hs.owners.list", "rate_limit", nth=1, delay_s=0.1)
    connector = _connector(served)

    assert connector.owners.read_owner_names(["101"]) == {"101": "ops@corp.example"}
    assert connector.api.rate_limited == 1 and connector.api.retries == 1
    assert sandbox.calls.snapshot()["hs.owners.list"] == connector.budget.calls == 2
