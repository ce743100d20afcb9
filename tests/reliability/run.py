"""`make reliability`: every scenario at full size, one table, exit 1 if any row fails.

Usage: .venv/bin/python tests/reliability/run.py [--small] [--only transient,crashes,...]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from table import Row, render

SCENARIOS = ["transient", "crashes", "partial", "concurrency", "bad_input", "secrets_canary", "future_as_of",
             "extreme_dates", "revert_sticks"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small versions (as inside make test)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenario modules")
    args = parser.parse_args()
    logging.getLogger("sandbox").setLevel(logging.CRITICAL)  # handler errors a fault provokes on purpose
    rows: list[Row] = []
    for name in args.only.split(","):
        started = time.monotonic()
        try:
            found = importlib.import_module(name).run(not args.small)
        except Exception:  # noqa: BLE001 - a scenario that crashes is a failed row, and the others still run
            found = [Row(name, False, note=traceback.format_exc(limit=3).strip().splitlines()[-1])]
        rows += found
        print(render(found), f"  [{time.monotonic() - started:.0f} s]", flush=True)
    print("\nleadsync reliability", "(small)" if args.small else "(full)")
    print(render(rows))
    failed = [row for row in rows if not row.passed]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} rows passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
