"""Benchmark: records/s the HubSpot sandbox serves (search pages of 200, list pages of 100) with zero latency.

The sandbox runs in a child process so the client and the server do not share one GIL. Prints the rate seen
through the unmodified hubspot-api-client and the raw HTTP rate (requests, JSON parsed). The client is
bound by its own `dateutil` parsing of `createdAt`/`updatedAt`, so the last line,
`sandbox-hubspot: <N> records/s`, is the serving rate: search pages over raw HTTP.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hubspot
import requests
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest

from sandbox.hubspot import HubSpotSandbox, Switches

CONTACTS = 50_000
WINDOW = 10_000  # id windows keep every search under HubSpot's 10,000-result cap
PROPERTIES = ["email", "firstname", "lastname", "lifecyclestage", "hs_lead_status", "hubspot_owner_id"]
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "ATTEMPTED_TO_CONTACT")


def rows(count: int) -> Iterator[dict[str, str]]:
    base = 1_760_000_000_000
    for n in range(count):
        yield {
            "email": f"lead{n}@example{n % 97}.com",
            "firstname": f"First{n}",
            "lastname": f"Last{n}",
            "lifecyclestage": STAGES[n % len(STAGES)],
            "hs_lead_status": STATUSES[n % len(STATUSES)],
            "company": f"Company {n % 1000}",
            "createdate": str(base + n * 1000),
            "lastmodifieddate": str(base + n * 1000 + 500),
        }


def serve(ready: Any, stop: Any) -> None:
    sandbox = HubSpotSandbox(switches=Switches(limit_per_10s=None, search_per_second=None, daily_limit=None))
    started = time.perf_counter()
    sandbox.load_contacts(rows(CONTACTS))
    loaded = time.perf_counter() - started
    with sandbox.serve() as served:
        ready.put((served.base_url, served.access_token, loaded))
        stop.wait()


def windows() -> Iterator[dict[str, Any]]:
    for low in range(1, CONTACTS + 1, WINDOW):
        group = {
            "filters": [
                {
                    "propertyName": "hs_object_id",
                    "operator": "BETWEEN",
                    "value": str(low),
                    "highValue": str(low + WINDOW - 1),
                }
            ]
        }
        yield {
            "filterGroups": [group],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": PROPERTIES,
            "limit": 200,
        }


def client_search(client: hubspot.HubSpot) -> int:
    api = client.crm.contacts.search_api
    total = 0
    for body in windows():
        after = None
        while True:
            group = FilterGroup(filters=[Filter(**_snake(f)) for f in body["filterGroups"][0]["filters"]])
            page = api.do_search(
                PublicObjectSearchRequest(
                    filter_groups=[group], sorts=body["sorts"], properties=PROPERTIES, limit=200, after=after
                )
            )
            total += len(page.results)
            if page.paging is None:
                break
            after = page.paging.next.after
    return total


def client_list(client: hubspot.HubSpot) -> int:
    api = client.crm.contacts.basic_api
    total, after = 0, None
    while True:
        page = api.get_page(limit=100, after=after, properties=PROPERTIES)
        total += len(page.results)
        if page.paging is None:
            return total
        after = page.paging.next.after


def raw_search(base_url: str, token: str) -> int:
    session, total = _session(token), 0
    for body in windows():
        after = "0"
        while after is not None:
            page = session.post(
                f"{base_url}/crm/v3/objects/contacts/search", json={**body, "after": after}
            ).json()
            total += len(page["results"])
            after = page.get("paging", {}).get("next", {}).get("after")
    return total


def raw_list(base_url: str, token: str) -> int:
    session, total, after = _session(token), 0, None
    while True:
        params: dict[str, Any] = {
            "limit": 100,
            "properties": PROPERTIES,
            **({"after": after} if after else {}),
        }
        page = session.get(f"{base_url}/crm/v3/objects/contacts", params=params).json()
        total += len(page["results"])
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            return total


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _snake(raw: dict[str, str]) -> dict[str, str]:
    names = {"propertyName": "property_name", "highValue": "high_value"}
    return {names.get(k, k): v for k, v in raw.items()}


def rate(label: str, run: Callable[[], int]) -> float:
    started = time.perf_counter()
    records = run()
    elapsed = time.perf_counter() - started
    per_second = records / elapsed
    print(f"{label:<34} {records:>7} records in {elapsed:6.2f} s = {per_second:>9,.0f} records/s")
    return per_second


def main() -> None:
    context = mp.get_context("fork")
    ready, stop = context.Queue(), context.Event()
    child = context.Process(target=serve, args=(ready, stop), daemon=True)
    child.start()
    try:
        base_url, token, loaded = ready.get(timeout=120)
        print(f"loaded {CONTACTS} contacts in {loaded:.2f} s; serving at {base_url}")
        client = hubspot.HubSpot(access_token=token, host=base_url)
        served = rate("raw HTTP search (200/page)", lambda: raw_search(base_url, token))
        rate("raw HTTP list (100/page)", lambda: raw_list(base_url, token))
        rate("client list get_page (100/page)", lambda: client_list(client))
        through_client = rate("client search do_search (200/page)", lambda: client_search(client))
    finally:
        stop.set()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
    print(f"through hubspot-api-client (client-bound): {through_client:.0f} records/s")
    print(f"sandbox-hubspot: {served:.0f} records/s")


if __name__ == "__main__":
    main()
