"""End to end against the sandbox (served by another process, so RSS is leadsync's own):
(a) an incremental sync when nothing changed: wall time and API calls (target ≤ 5 per system);
(b) a backfill over N leads (default 100,000): wall time, peak RSS (target ≤ 400 MB), API calls.

Usage: .venv/bin/python bench/e2e.py [--leads 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from served import point_environment_at, served_sandbox


def _calls(facts: dict, ca: str) -> dict[str, int]:
    import ssl

    context = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(facts["salesforce"]["instance_url"] + "/__sandbox/calls", context=context) as r:
        sf = json.load(r)
    with urllib.request.urlopen(facts["hubspot"]["base_url"] + "/__sandbox/calls") as r:
        hs = json.load(r)
    return {"salesforce": _total(sf), "hubspot": _total(hs)}


def _total(payload: dict) -> int:
    calls = payload.get("calls", payload)
    return int(sum(v for v in calls.values() if isinstance(v, int)))


NOOP_LEADS = 5_000  # a no-change sync costs the same whatever the org's size: its window is empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    backfill_s, backfill_calls, peak, writer_peak = _with_sandbox(args.leads, backfill)  # first: see `backfill`
    noop_s, noop_calls = _with_sandbox(NOOP_LEADS, noop)
    print(f"noop sync: {noop_s:.2f} s, API calls {noop_calls}")
    print(f"backfill: {args.leads} leads in {backfill_s:.1f} s, API calls {backfill_calls}, peak RSS {peak:.0f} MB "
          f"(its page writer's process: {writer_peak:.0f} MB)")
    print(f"e2e: noop {noop_s:.2f} s / {max(noop_calls.values())} calls, backfill {args.leads // 1000}k "
          f"{backfill_s:.0f} s, peak {peak:.0f} MB")


def _with_sandbox(leads: int, job):
    with served_sandbox(leads) as facts:
        point_environment_at(facts, f"sqlite:///{tempfile.mkdtemp()}/state.db")
        return job(facts)


def noop(facts: dict):
    from connectors.environment import load_settings
    from flows.runs.sync import run_sync
    from flows.wiring import open_services

    ca = facts["salesforce"]["ca_bundle"]
    now = datetime.now(UTC)
    with open_services(load_settings()) as services:
        run_sync(services, as_of=now, dry_run=False, allow_mass_change=True)
        # Later runs, past the overlap of our own writes: the run's clock is moved on (an applying run refuses an
        # as-of ahead of its clock).
        services.clock = lambda: datetime.now(UTC) + timedelta(minutes=10)
        run_sync(services, as_of=now + timedelta(minutes=10), dry_run=False)
        services.clock = lambda: datetime.now(UTC) + timedelta(minutes=20)
        before = _calls(facts, ca)
        started = time.perf_counter()
        run_sync(services, as_of=now + timedelta(minutes=20), dry_run=False)
        spent = time.perf_counter() - started
        after = _calls(facts, ca)
    return spent, {k: after[k] - before[k] for k in after}


def backfill(facts: dict):
    from connectors.environment import load_settings
    from flows.runs.backfill import run_backfill
    from flows.wiring import open_services

    ca = facts["salesforce"]["ca_bundle"]
    now = datetime.now(UTC)
    with open_services(load_settings()) as services:
        before = _calls(facts, ca)
        started = time.perf_counter()
        run_backfill(services, start=now - timedelta(days=70), end=now + timedelta(minutes=1), as_of=now,
                     dry_run=False, chunk=timedelta(days=14), allow_mass_change=True)
        spent = time.perf_counter() - started
        after = _calls(facts, ca)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The largest child reaped so far: the page writer (the sandbox's process is reaped after this, so the backfill
    # runs first for this to be the writer's alone).
    writer_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return spent, {k: after[k] - before[k] for k in after}, peak, writer_peak


if __name__ == "__main__":
    main()
