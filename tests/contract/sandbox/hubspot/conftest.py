"""Fixtures for the HubSpot sandbox contract suite: a served sandbox and the unmodified client aimed at it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hubspot
import pytest

from sandbox.hubspot import HubSpotSandbox, ServedHubSpot, Switches
from sandbox.hubspot.timestamps import ManualClock
from sandbox.runtime import serve_in_thread


@dataclass
class Hub:
    """A served sandbox and a client for it."""

    sandbox: HubSpotSandbox
    served: ServedHubSpot
    client: hubspot.HubSpot
    clock: ManualClock

    def seed(self, count: int, start: int = 0, **extra: str) -> int:
        """Load `count` contacts person<n>@example.com (ids follow on from existing ones)."""
        return self.sandbox.load_contacts(seed_rows(count, start, **extra))

    def new_client(self, **kwargs: Any) -> hubspot.HubSpot:
        return client_for(self.served, **kwargs)

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        url = f"{self.served.base_url}/__sandbox/{path}"
        request = urllib.request.Request(url, data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None


def seed_rows(count: int, start: int = 0, **extra: str) -> Iterator[dict[str, str]]:
    for n in range(start, start + count):
        yield {"email": f"person{n}@example.com", "firstname": f"First{n}", "lastname": f"Last{n}", **extra}


def client_for(served: ServedHubSpot, **kwargs: Any) -> hubspot.HubSpot:
    return hubspot.HubSpot(
        access_token=served.access_token, host=served.base_url, base_url=served.base_url, **kwargs
    )


@pytest.fixture
def switches() -> Switches:
    """Limits off by default so ordinary tests never trip them; limit tests turn them on."""
    return Switches(limit_per_10s=None, search_per_second=None, daily_limit=None)


class SwappableApp:
    """One served ASGI app whose target each test replaces, so the suite starts uvicorn once."""

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.target(scope, receive, send)


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[SwappableApp, str]]:
    app = SwappableApp()
    with serve_in_thread(app) as served:
        yield app, served.base_url


@pytest.fixture
def hub(switches: Switches, server: tuple[SwappableApp, str]) -> Iterator[Hub]:
    app, base_url = server
    clock = ManualClock()
    sandbox = HubSpotSandbox(switches=switches, clock=clock)
    app.target = sandbox.app()
    served = ServedHubSpot(
        base_url=base_url, access_token=sandbox.access_token, port=int(base_url.rsplit(":", 1)[1])
    )
    yield Hub(sandbox=sandbox, served=served, client=client_for(served), clock=clock)
    assert sandbox.errors == []
