"""State store write rates: 100,000 audit rows and 100,000 lead observations, on SQLite and (if it answers)
PostgreSQL. Usage: .venv/bin/python bench/state.py [--rows 100000]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.store import schema
from connectors.store.sql_state import open_run_state
from mapping.match import LeadPair, LinkKind
from mapping.plan import Correction
from mapping.records import CanonicalLead

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def measure(url: str, rows: int) -> tuple[float, float]:
    store = open_run_state(url)
    with store.engine.begin() as connection:  # a clean slate (PostgreSQL keeps tables between runs)
        for table in reversed(schema.metadata.sorted_tables):
            if table.name != "schema_version":
                connection.execute(table.delete())
    run_id = store.start_run("bench", {})
    corrections = [Correction("salesforce", f"00Q{n:015d}", "Status", "a", "b", "inquiry", "mql", "rule", "r", "1")
                   for n in range(rows)]
    started = time.perf_counter()
    for chunk in range(0, rows, 1000):
        store.record_intents(run_id, corrections[chunk : chunk + 1000])
    audit_rate = rows / (time.perf_counter() - started)
    now = datetime.now(UTC)
    pairs = [LeadPair(CanonicalLead("salesforce", f"00Q{n:015d}", None, "mql", {}, {}, stage_entered_at=now), None,
                      LinkKind.NONE) for n in range(rows)]
    started = time.perf_counter()
    for chunk in range(0, rows, 2000):
        store.record_observations(pairs[chunk : chunk + 2000], {})
    observe_rate = rows / (time.perf_counter() - started)
    store.close()
    return audit_rate, observe_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    backends = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.db", "postgresql": POSTGRES}
    for name, url in backends.items():
        try:
            audit, observe = measure(url, args.rows)
        except Exception as exc:  # noqa: BLE001 - an unreachable PostgreSQL is reported, not fatal
            print(f"{name}: skipped ({type(exc).__name__})")
            continue
        print(f"state-{name}: audit {audit:,.0f} rows/s, lead observations {observe:,.0f} rows/s")


if __name__ == "__main__":
    main()
