"""Connectors against freshly started emulators (real HTTP, the unmodified clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.hubspot import HubSpotSandbox
from sandbox.hubspot import Switches as HubSpotSwitches
from sandbox.salesforce import SalesforceSandbox
from tests.factories import compiled


@pytest.fixture
def salesforce(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SalesforceSandbox, Any]]:
    sandbox = SalesforceSandbox(seed=3)
    with sandbox.serve() as connection:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(connection.ca_bundle))
        yield sandbox, connection


@pytest.fixture
def hubspot() -> Iterator[tuple[HubSpotSandbox, Any]]:
    sandbox = HubSpotSandbox(switches=HubSpotSwitches(limit_per_10s=None, search_per_second=None), seed=3)
    with sandbox.serve() as served:
        yield sandbox, served


DEFAULT = compiled()
