"""A backfill on a real Prefect server with PostgreSQL: one worker walking the range, against the same range cut into
slices run by several workers (each worker process runs at most two flow runs at once).

Usage: .venv/bin/python bench/fanout.py [--leads 200000] [--workers 4] [--latency-ms 40]
Each side gets a fresh stack (server, sandbox with HubSpot's limits, pool, deployments, workers: tests/production's
stack) over fresh PostgreSQL databases (LEADSYNC_TEST_DATABASE_URL, default the local one). Prints the walls, the
writes applied twice (from the state store's audit) and the 429s the HubSpot emulator answered.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors.store.sql_state import open_run_state
from tests.production.stack import Stack, production_stack

CHUNK_DAYS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    args = parser.parse_args()
    os.environ.setdefault("LEADSYNC_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    one = backfill(args.leads, 1, args.latency_ms)
    many = backfill(args.leads, args.workers, args.latency_ms)
    for label, (wall, twice, refused) in (("1 worker", one), (f"{args.workers} workers", many)):
        print(f"{label}: {args.leads} people in {wall:.1f} s, writes applied twice {twice}, HubSpot 429s {refused}")
    print(f"fanout: {args.workers} workers {one[0] / many[0]:.2f} x faster than 1, {one[1] + many[1]} duplicate writes, "
          f"{one[2] + many[2]} over-limit")


def backfill(leads: int, workers: int, latency_ms: float) -> tuple[float, int, int]:
    """Wall time of an applying backfill over everything the sandbox holds, as `workers` slices on as many workers."""
    with tempfile.TemporaryDirectory(prefix="leadsync-fanout-") as work, \
            production_stack(Path(work), leads=leads, workers=workers, runs_per_worker=2, latency_ms=latency_ms) as stack:
        now = datetime.now(UTC)
        started = time.perf_counter()
        run_id = _trigger(stack, {"start": (now - timedelta(days=60)).date().isoformat(),
                                  "end": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                  "dry_run": False, "chunk_days": CHUNK_DAYS, "allow_mass_change": True,
                                  "slices": workers})
        run = stack.wait_for_run(run_id, timeout=6 * 3600)
        wall = time.perf_counter() - started
        if run["state"]["type"] != "COMPLETED":
            raise SystemExit(f"the backfill ended {run['state']}:\n{stack.run_logs(run_id)}")
        return wall, _applied_twice(stack.worker_env["LEADSYNC_DATABASE_URL"]), _refused(stack)


def _trigger(stack: Stack, parameters: dict[str, object]) -> str:
    with stack.api() as client:
        answer = client.post(f"/deployments/{stack.deployment_id('backfill/backfill')}/create_flow_run",
                             json={"parameters": parameters})
    answer.raise_for_status()
    return str(answer.json()["id"])


def _applied_twice(state_url: str) -> int:
    state = open_run_state(state_url)
    try:
        writes = Counter((r["system"], r["record_id"], r["field"], r["step"], r["after"])
                         for r in state.list_audit("applied", 10_000_000))
    finally:
        state.close()
    return sum(n - 1 for n in writes.values() if n > 1)


def _refused(stack: Stack) -> int:
    with urllib.request.urlopen(stack.sandbox_env["LEADSYNC_HUBSPOT_BASE_URL"] + "/__sandbox/calls") as answer:
        return int(sum(json.load(answer)["refused"].values()))


if __name__ == "__main__":
    main()
