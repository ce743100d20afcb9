"""Wall time to pull and correct with realistic latency and HubSpot's rate limits, next to the floor they allow.

Usage: .venv/bin/python bench/throughput.py [--leads 100000] [--corrections 10000] [--latency-ms 40]
Floor per system = max(calls × latency (calls are sequential), calls / rate limit): Salesforce has no rate
limit; HubSpot allows 5 searches a second and 190 calls per 10 seconds (the sandbox enforces both).
"""

from __future__ import annotations

import argparse
import resource
import time

from connector_world import EVER, corrections, world  # type: ignore[import-not-found]

HUBSPOT_PER_10S = 190
HUBSPOT_SEARCH_PER_S = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--corrections", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    total_wall = total_floor = 0.0
    with world(args.leads, args.latency_ms, HUBSPOT_PER_10S) as w:
        w.hs_sandbox.set_switches(search_per_second=HUBSPOT_SEARCH_PER_S)
        for system, sandbox, connector in (("salesforce", w.sf_sandbox, w.sf), ("hubspot", w.hs_sandbox, w.hs)):
            sandbox.calls.reset()
            started = time.perf_counter()
            pulled = sum(len(page) for page in connector.source.iter_changed(EVER))
            applied = sum(o.ok for o in connector.writer.apply_corrections(corrections(system, args.corrections)))
            wall = time.perf_counter() - started
            calls = sandbox.calls.snapshot()
            total = sum(calls.values())
            floor = total * latency
            if system == "hubspot":
                searches = calls.get("hs.contacts.search", 0)
                floor = max(floor, searches / HUBSPOT_SEARCH_PER_S + (total - searches) * latency,
                            total / (HUBSPOT_PER_10S / 10))
            rejected = connector.api.rate_limited
            print(f"{system}: pulled {pulled}, applied {applied} in {wall:.1f} s with {total} calls; "
                  f"floor {floor:.1f} s ({wall / floor:.2f} x); 429s {rejected}")
            total_wall += wall
            total_floor += floor
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB (both emulators hold {args.leads} records each in this process)")
    print(f"throughput: {total_wall / total_floor:.2f} x floor")


if __name__ == "__main__":
    main()
