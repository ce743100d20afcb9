"""Contract: `leadsync sandbox serve` defaults HubSpot search to a realistic index lag; `run_sandbox` keeps it off."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest, SimplePublicObjectInputForCreate
from typer.testing import CliRunner

from flows.cli.app import app
from flows.cli.sandbox_serve import DEFAULT_SEARCH_LAG_MS
from sandbox.hubspot import Switches

if TYPE_CHECKING:
    from conftest import Hub


@pytest.fixture
def switches() -> Switches:
    return Switches(limit_per_10s=None, search_per_second=None, daily_limit=None, index_lag_ms=DEFAULT_SEARCH_LAG_MS)


def _found(hub: Hub) -> int:
    return int(hub.client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=10)).total)


def test_the_serve_default_is_a_lag_of_a_few_seconds() -> None:
    assert 1_000 <= DEFAULT_SEARCH_LAG_MS <= 5_000  # HubSpot: "several seconds" (hubspot.md §3)
    shown = CliRunner().invoke(app, ["sandbox", "serve", "--help"], env={"COLUMNS": "240", "NO_COLOR": "1"}).output
    assert "--hubspot-search-lag-ms" in shown and "--hubspot-tier" in shown


def test_a_write_becomes_searchable_only_after_the_default_lag(hub: Hub) -> None:
    hub.client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "a@example.com"}))
    assert hub.client.crm.contacts.basic_api.get_by_id("1").properties["email"] == "a@example.com"  # reads see it
    assert _found(hub) == 0
    hub.clock.advance(DEFAULT_SEARCH_LAG_MS - 1)
    assert _found(hub) == 0
    hub.clock.advance(1)
    assert _found(hub) == 1


def test_the_lag_can_be_turned_off(hub: Hub) -> None:
    hub.sandbox.set_switches(index_lag_ms=0)
    hub.client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "b@example.com"}))
    assert _found(hub) == 1
