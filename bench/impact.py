"""`definitions impact` over a big snapshot store: leads replayed per second and peak RSS.

Usage: .venv/bin/python bench/impact.py [--leads 100000]
The snapshot store is filled the way it is in real life, by a dry-run sync against the sandbox (served by another
process); then the replay of both definitions — the shipped one, and the same with the MQL score threshold raised
from 50 to 60 — is timed alone, with no API call. Peak RSS is measured in a fresh process that only replays (the Salesforce id
ranges it hands to other processes, one per core, are reported beside it).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from served import point_environment_at, served_sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--replay-only", metavar="STATE_DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay_only:
        replay(args.replay_only)
        return
    work = Path(tempfile.mkdtemp(prefix="leadsync-impact-"))
    state_db = f"sqlite:///{work}/state.db"
    fill_snapshots(args.leads, state_db)
    subprocess.run([sys.executable, __file__, "--replay-only", state_db], check=True)
    shutil.rmtree(work, ignore_errors=True)


def fill_snapshots(leads: int, state_db: str) -> None:
    with served_sandbox(leads) as facts:
        point_environment_at(facts, state_db)
        started = time.perf_counter()
        counts = _dry_run()
        print(f"snapshots filled by a dry-run sync: {counts['records_seen']} records in "
              f"{time.perf_counter() - started:.0f} s")


def _dry_run() -> dict[str, int]:
    from connectors.environment import load_settings
    from flows.runs.sync import run_sync
    from flows.wiring import open_services

    with open_services(load_settings()) as services:
        return run_sync(services, as_of=datetime.now(UTC), dry_run=True, allow_mass_change=True).counts()


def replay(state_db: str) -> None:
    from connectors.definition_files import load_definition
    from connectors.settings import RunSettings
    from connectors.store.sql_state import open_run_state
    from flows.runs.impact import run_impact
    from mapping.definition.compiled import compile_definition

    old = compile_definition(load_definition(REPO / "definitions"))
    new = compile_definition(load_definition(_raised_threshold()))
    state = open_run_state(state_db)
    started = time.perf_counter()
    result = run_impact(state, RunSettings(), old, new, as_of=datetime.now(UTC), record=False)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ranges = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest of the range processes
    leads = result.impact.leads
    print(f"replayed {leads} leads through two definitions in {wall:.1f} s; {len(result.impact.changed)} would change; "
          f"the largest range process peaked at {ranges:.0f} MB")
    print(f"impact: {leads / wall:.0f} leads/s, peak {peak:.0f} MB")


def _raised_threshold() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="leadsync-proposed-")) / "definitions"
    shutil.copytree(REPO / "definitions", directory, ignore=shutil.ignore_patterns("examples"))
    lifecycle = directory / "lifecycle.yaml"
    lifecycle.write_text(lifecycle.read_text().replace("{ field: score, op: gte, value: 50 }",
                                                       "{ field: score, op: gte, value: 60 }"))
    return directory



if __name__ == "__main__":
    main()
