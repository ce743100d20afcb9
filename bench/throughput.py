"""Wall time to pull and correct with 40 ms latency and HubSpot's rate limits, next to the floor they allow.

Usage: .venv/bin/python bench/throughput.py [--leads 100000] [--corrections 10000] [--latency-ms 40]
The emulators run in their own process (`leadsync sandbox serve`), so peak RSS is leadsync's own.
Floor per system = max(calls × latency (calls are sequential), calls / rate limit): Salesforce has no rate
limit; HubSpot allows 5 searches a second and 190 calls per 10 seconds (the sandbox enforces both).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors.definition_files import load_definition
from connectors.hubspot.connector import HubSpotConnector
from connectors.ports import TimeWindow
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from mapping.definition.compiled import compile_definition
from mapping.plan import Correction

HUBSPOT_PER_10S, HUBSPOT_SEARCH_PER_S = 190, 5
EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
TEMPLATE = {"salesforce": Correction("salesforce", "", "Status", None, "Marketing Qualified", None, "mql", "bench", "", "1"),
            "hubspot": Correction("hubspot", "", "hs_lead_status", None, "IN_PROGRESS", None, "sal", "bench", "", "1")}


def calls(url: str, ca: str | None) -> dict[str, int]:
    context = ssl.create_default_context(cafile=ca) if ca else None
    with urllib.request.urlopen(f"{url}/__sandbox/calls", context=context) as response:
        payload = json.load(response)
    counts = payload.get("calls", payload)
    return {k: int(v) for k, v in counts.items() if isinstance(v, int)}


def measure(system: str, connector, url: str, ca: str | None, count: int, latency: float) -> tuple[float, float]:
    before = calls(url, ca)
    started = time.perf_counter()
    ids: list[str] = []
    pulled = 0
    for page in connector.source.iter_changed(EVER):
        pulled += len(page)
        key = "Id" if system == "salesforce" else "id"
        fresh = [r[key] for r in page if str(r.get("IsConverted", "false")).lower() != "true"]
        ids += fresh[: max(0, count - len(ids))]
    outcomes = connector.writer.apply_corrections([replace(TEMPLATE[system], record_id=i) for i in ids])
    wall = time.perf_counter() - started
    used = {k: v - before.get(k, 0) for k, v in calls(url, ca).items()}
    total = sum(used.values())
    floor = total * latency
    if system == "hubspot":
        searches = used.get("hs.contacts.search", 0)
        floor = max(floor, searches / HUBSPOT_SEARCH_PER_S + (total - searches) * latency,
                    total / (HUBSPOT_PER_10S / 10))
    print(f"{system}: pulled {pulled}, applied {sum(o.ok for o in outcomes)} in {wall:.1f} s with {total} calls; "
          f"floor {floor:.1f} s ({wall / floor:.2f} x); 429s {connector.api.rate_limited}")
    if system == "hubspot":
        pacing = connector.api.search_limiter
        print(f"  search pacing: {used.get('hs.contacts.search', 0)} searches, limit learnt {pacing.limit} per "
              f"{pacing.window_s:g} s, {pacing.exhausted} windows used to the full, waited {pacing.waited_s:.1f} s")
    return wall, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--corrections", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    args = parser.parse_args()
    command = [str(Path(sys.executable).parent / "leadsync"), "sandbox", "serve", "--leads", str(args.leads),
               "--provisioned", "--latency-ms", str(args.latency_ms), "--definitions", str(REPO / "definitions")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    try:
        facts = json.loads(server.stdout.readline())  # type: ignore[union-attr]
        run(facts, args)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(facts: dict, args: argparse.Namespace) -> None:
    compiled = compile_definition(load_definition(REPO / "definitions"))
    sf_facts, hs_facts = facts["salesforce"], facts["hubspot"]
    os.environ["REQUESTS_CA_BUNDLE"] = sf_facts["ca_bundle"]
    sf = SalesforceConnector(SalesforceSettings(instance_url=sf_facts["instance_url"], session_id=sf_facts["session_id"],
                                                ca_bundle=sf_facts["ca_bundle"]), compiled, budget_share=1.0)
    hs = HubSpotConnector(HubSpotSettings(access_token=hs_facts["access_token"], base_url=hs_facts["base_url"]),
                          compiled, budget_share=1.0)
    latency = args.latency_ms / 1000
    results = [measure("salesforce", sf, sf_facts["instance_url"], sf_facts["ca_bundle"], args.corrections, latency),
               measure("hubspot", hs, hs_facts["base_url"], None, args.corrections, latency)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, floor = sum(r[0] for r in results), sum(r[1] for r in results)
    print(f"total {wall:.1f} s against a floor of {floor:.1f} s; peak RSS {peak:.0f} MB (leadsync's process only)")
    print(f"throughput: {wall / floor:.2f} x floor")


if __name__ == "__main__":
    main()
