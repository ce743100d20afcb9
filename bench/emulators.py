"""Sandbox serving rates (both emulators) and the seed generator's rate and memory for 1,000,000 leads.

Usage: .venv/bin/python bench/sandbox.py [--generate 1000000]
Runs bench/sandbox_salesforce.py and bench/sandbox_hubspot.py (each prints its own detail), then streams the
generator without loading anything. Target: each emulator serves ≥ 20,000 records/s, so it never bounds a bench.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _serving_rate(script: str) -> int:
    output = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True, check=True).stdout
    print(output.rstrip())
    return int(output.strip().splitlines()[-1].split(":")[1].split()[0])


def _generator(leads: int) -> tuple[float, float]:
    from connectors.definition_files import load_definition
    from mapping.definition.compiled import compile_definition
    from sandbox.population import generate

    compiled = compile_definition(load_definition(HERE.parent / "definitions"))
    started = time.perf_counter()
    count = sum(1 for _ in generate(compiled, leads, seed=7, now=datetime(2026, 11, 23, tzinfo=UTC)))
    elapsed = time.perf_counter() - started
    return count / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generate", type=int, default=1_000_000)
    args = parser.parse_args()
    salesforce = _serving_rate("sandbox_salesforce.py")
    hubspot = _serving_rate("sandbox_hubspot.py")
    rate, peak = _generator(args.generate)
    print(f"generator: {args.generate} leads streamed at {rate:,.0f} leads/s, peak RSS {peak:.0f} MB")
    print(f"sandbox: salesforce {salesforce} records/s, hubspot {hubspot} records/s")


if __name__ == "__main__":
    main()
