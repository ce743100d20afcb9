"""Contract: each HubSpot tier's published burst and daily limits show in the headers, the 429s and the daily count."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from flows.cli.sandbox_serve import HubSpotTier
from sandbox.hubspot import Switches
from sandbox.hubspot.tiers import TIERS, tier_of
from sandbox.launch import run_sandbox
from tests.conftest import DEFAULT_DEFINITIONS
from tests.factories import compiled

if TYPE_CHECKING:
    from conftest import Hub

PUBLISHED = {"free": (100, 250_000), "starter": (100, 250_000), "professional": (190, 625_000),
             "enterprise": (190, 1_000_000)}


def _as_tier(hub: Hub, name: str) -> None:
    tier = tier_of(name)
    hub.sandbox.set_switches(limit_per_10s=tier.per_10s, daily_limit=tier.daily, search_per_second=5)


def test_tiers_are_hubspots_published_limits() -> None:
    assert {name: (t.per_10s, t.daily) for name, t in TIERS.items()} == PUBLISHED
    assert {tier.value for tier in HubSpotTier} == set(TIERS)  # the CLI offers exactly these
    with pytest.raises(ValueError, match="unknown HubSpot tier"):
        tier_of("platinum")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_headers_and_daily_count_follow_the_tier(hub: Hub, name: str) -> None:
    _as_tier(hub, name)
    burst, daily = PUBLISHED[name]
    api = hub.client.crm.contacts.basic_api
    for n in range(1, 4):
        _, _, headers = api.get_page_with_http_info()
        assert (headers["X-HubSpot-RateLimit-Max"], headers["X-HubSpot-RateLimit-Remaining"]) == (str(burst),
                                                                                                 str(burst - n))
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert (headers["X-HubSpot-RateLimit-Daily"], headers["X-HubSpot-RateLimit-Daily-Remaining"]) == (
            str(daily), str(daily - n))
    assert hub.admin("GET", "calls")[1]["daily"] == {"used": 3, "limit": daily}


@pytest.mark.parametrize("name", ["starter", "professional"])
def test_the_call_after_the_burst_is_429_ten_secondly_rolling(hub: Hub, name: str) -> None:
    _as_tier(hub, name)
    burst, daily = PUBLISHED[name]
    api = hub.client.crm.contacts.basic_api
    for _ in range(burst):
        api.get_page()
    with pytest.raises(ApiException) as caught:
        api.get_page()
    assert caught.value.status == 429
    assert json.loads(caught.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert caught.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == str(daily - burst)
    assert hub.admin("GET", "calls")[1]["daily"]["used"] == burst  # a refused call is not counted


def test_search_keeps_its_own_per_second_limit_on_every_tier(hub: Hub) -> None:
    _as_tier(hub, "enterprise")
    search = hub.client.crm.contacts.search_api
    for _ in range(5):
        search.do_search(PublicObjectSearchRequest(limit=1))
    with pytest.raises(ApiException) as caught:
        search.do_search(PublicObjectSearchRequest(limit=1))
    assert json.loads(caught.value.body)["policyName"] == "SECONDLY"


def test_run_sandbox_applies_the_tier_and_keeps_search_lag_off_unless_asked() -> None:
    definition = compiled(DEFAULT_DEFINITIONS)
    with run_sandbox(definition=definition, empty=True) as handle:
        switches: Switches = handle.hubspot.switches
        assert (switches.limit_per_10s, switches.daily_limit, switches.index_lag_ms) == (190, 625_000, 0)
    with run_sandbox(definition=definition, empty=True, hubspot_tier="starter", hubspot_search_lag_ms=1500) as handle:
        switches = handle.hubspot.switches
        assert (switches.limit_per_10s, switches.daily_limit, switches.index_lag_ms) == (100, 250_000, 1500)
