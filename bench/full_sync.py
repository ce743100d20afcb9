"""A first full dry-run sync (fresh state store) against the sandbox, next to the least the APIs allow.

Usage: .venv/bin/python bench/full_sync.py [--leads 10000] [--latency-ms 40]
The emulators run in their own process (`leadsync sandbox serve`), so peak RSS is leadsync's own.

Lower bound (calls) = whole pulls of both systems at the APIs' page sizes: Salesforce Leads, LeadHistory, Tasks and
Events in SOQL pages of 2,000; HubSpot contacts through the list endpoint, 100 per page.
Floor (wall) = those calls one after another at the latency, HubSpot's no faster than its 190 calls per 10 s.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import ssl
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from served import point_environment_at, served_sandbox

SOQL_PAGE, HUBSPOT_LIST_PAGE, HUBSPOT_PER_S = 2_000, 100, 19.0
EVIDENCE_OBJECTS = ("Lead", "LeadHistory", "Task", "Event")


@dataclass(frozen=True)
class Bound:
    salesforce_calls: int
    hubspot_calls: int

    def floor_s(self, latency_s: float) -> float:
        hubspot = max(self.hubspot_calls * latency_s, self.hubspot_calls / HUBSPOT_PER_S)
        return self.salesforce_calls * latency_s + hubspot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    args = parser.parse_args()
    with served_sandbox(args.leads, args.latency_ms) as facts:
        point_environment_at(facts, f"sqlite:///{tempfile.mkdtemp()}/state.db")
        run(facts, args.latency_ms / 1000)


def run(facts: dict[str, Any], latency_s: float) -> None:
    bound = lower_bound(facts)
    before = calls(facts)
    started = time.perf_counter()
    report, seconds = first_full_sync()
    wall = time.perf_counter() - started
    after = calls(facts)
    used = {system: after[system] - before[system] for system in after}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    writer_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the sandbox is not reaped yet
    floor = bound.floor_s(latency_s)
    total_bound = bound.salesforce_calls + bound.hubspot_calls
    print(f"planned {report['leads']} leads, {report['corrections']} corrections; calls salesforce "
          f"{used['salesforce']} (bound {bound.salesforce_calls}), hubspot {used['hubspot']} (bound "
          f"{bound.hubspot_calls}); {wall:.1f} s against a floor of {floor:.1f} s; the page writer's process "
          f"peaked at {writer_peak:.0f} MB; {seconds}")
    print(f"full-sync: calls {sum(used.values()) / total_bound:.2f} x lower bound, wall {wall / floor:.2f} x floor, "
          f"peak {peak:.0f} MB")


def first_full_sync() -> tuple[dict[str, int], str]:
    from connectors.environment import load_settings
    from flows.runs.sync import run_sync
    from flows.wiring import open_services

    with open_services(load_settings()) as services:
        report = run_sync(services, as_of=datetime.now(UTC), dry_run=True)
        return report.counts(), report.timings()


def lower_bound(facts: dict[str, Any]) -> Bound:
    rows = {name: _soql_count(facts, name) for name in EVIDENCE_OBJECTS} | {"contacts": _hubspot_count(facts)}
    print("records: " + ", ".join(f"{name} {count}" for name, count in rows.items()))
    salesforce = sum(max(1, math.ceil(rows[name] / SOQL_PAGE)) for name in EVIDENCE_OBJECTS)  # none: still one query
    return Bound(salesforce, max(1, math.ceil(rows["contacts"] / HUBSPOT_LIST_PAGE)))


def _soql_count(facts: dict[str, Any], sobject: str) -> int:
    answer = _get(facts["salesforce"]["instance_url"] + f"/services/data/v59.0/query?q=SELECT+COUNT()+FROM+{sobject}",
                  facts, {"Authorization": f"Bearer {facts['salesforce']['session_id']}"})
    return int(answer["totalSize"])


def _hubspot_count(facts: dict[str, Any]) -> int:
    body = json.dumps({"filterGroups": [], "limit": 1}).encode()
    request = urllib.request.Request(facts["hubspot"]["base_url"] + "/crm/v3/objects/contacts/search", data=body,
                                     headers={"Authorization": f"Bearer {facts['hubspot']['access_token']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return int(json.load(response)["total"])


def calls(facts: dict[str, Any]) -> dict[str, int]:
    return {"salesforce": _total(_get(facts["salesforce"]["instance_url"] + "/__sandbox/calls", facts)),
            "hubspot": _total(_get(facts["hubspot"]["base_url"] + "/__sandbox/calls", facts))}


def _total(payload: dict[str, Any]) -> int:
    counts = payload.get("calls", payload)
    return int(sum(v for v in counts.values() if isinstance(v, int)))


def _get(url: str, facts: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=facts["salesforce"]["ca_bundle"]) if url.startswith("https") else None
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), context=context) as response:
        answer: dict[str, Any] = json.load(response)
        return answer



if __name__ == "__main__":
    main()
