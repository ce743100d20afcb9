"""API calls used by the connectors, counted by the sandbox, against the lower bound of each operation.

Usage: .venv/bin/python bench/api_calls.py [--leads 50000] [--corrections 20000]
Lower bounds: pull N = ceil(N/2000) Salesforce queries and ceil(N/200) HubSpot searches; apply M = ceil(M/200)
collections and ceil(M/100) batch updates; add 3 stages = 1 read + 1 whole-list update each; plus a fixed setup
(Salesforce: describe and the COUNT() probe; HubSpot: none).
"""

from __future__ import annotations

import argparse
import math

from connector_world import EVER, corrections, world

from mapping.stage_diff import PicklistValue, StageDiff


def _new_values(n: int) -> tuple[PicklistValue, ...]:
    return tuple(PicklistValue(f"Bench Stage {i}", f"Bench Stage {i}", "added by bench") for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--corrections", type=int, default=20_000)
    args = parser.parse_args()
    n, m = args.leads, args.corrections
    rows = []
    with world(n) as w:
        for system, sandbox, connector in (("salesforce", w.sf_sandbox, w.sf), ("hubspot", w.hs_sandbox, w.hs)):
            sandbox.calls.reset()
            if system == "salesforce":
                connector.source.count_changed(EVER)
            pulled = sum(len(page) for page in connector.source.iter_changed(EVER))
            pull_calls = sandbox.calls.total()
            sandbox.calls.reset()
            outcomes = connector.writer.apply_corrections(corrections(system, m))
            apply_calls = sandbox.calls.total()
            sandbox.calls.reset()
            field = "Status" if system == "salesforce" else "hs_lead_status"
            live = connector.picklist.read_picklist(field)
            connector.picklist.add_picklist_values(StageDiff(system, field, _new_values(3), (*live, *_new_values(3))))
            stage_calls = sandbox.calls.total()
            page, batch, setup = (2000, 200, 2) if system == "salesforce" else (200, 100, 0)
            bounds = (math.ceil(n / page) + setup, math.ceil(m / batch), 2)
            if system == "salesforce":
                bounds = (bounds[0], bounds[1], 2)  # LeadStatus read + Metadata update (the update reads first: +1)
            rows.append((system, pulled, sum(o.ok for o in outcomes), (pull_calls, apply_calls, stage_calls), bounds))
    total_used = total_bound = 0
    for system, pulled, applied, used, bound in rows:
        print(f"{system}: pulled {pulled}, applied {applied}")
        for label, u, b in zip(("pull", "apply", "add 3 stages"), used, bound, strict=True):
            print(f"  {label:<13} {u:>6} calls, lower bound {b:>6}  ({u / b:.2f} x)")
        total_used += sum(used)
        total_bound += sum(bound)
    print(f"api-calls: {total_used / total_bound:.2f} x lower bound")


if __name__ == "__main__":
    main()
