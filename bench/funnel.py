"""The funnel at scale: a state store of N people (default 1,000,000) with realistic histories, bulk-loaded straight
into the funnel's tables (not through the APIs), then a 12-month monthly funnel `--by owner` timed in a fresh process
(so its peak memory is the funnel's alone). Prints `funnel: N people/s, peak M MB`.

Usage: .venv/bin/python bench/funnel.py [--people 1000000] [--database-url postgresql+psycopg://…/bench]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import astuple, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from connectors.definition_files import load_definition
from connectors.settings import RunSettings
from connectors.store import schema
from connectors.store.funnel_store import reason_values, segment_values
from connectors.store.sql_state import SqlRunState, open_run_state
from flows.runs.funnel import FunnelQuery, build_funnel
from flows.runs.services import Services
from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.funnel import DEFINITION, RecordFacts, Segment, StageCodes, reason_history, segments_of
from mapping.funnel_periods import PeriodKind
from mapping.sla import business_calendar

REPO = Path(__file__).resolve().parents[1]
UNTIL = datetime(2026, 12, 1, 5, tzinfo=UTC)  # the end of November in New York
FIRST = UNTIL - timedelta(days=460)  # people arrive over 15 months, so the window opens on a running funnel
CHUNK = 50_000
OWNERS = [f"005{n:012d}AAA" for n in range(300)]
SOURCES = ["Web", "Event", "Partner", "Paid search", "Webinar", "Referral", "Trade show", "Content"]
SEGMENT_COLUMNS = tuple(column.name for column in schema.funnel_segments.columns)
RECORD_COLUMNS = tuple(column.name for column in schema.funnel_records.columns)
REASON_COLUMNS = tuple(column.name for column in schema.funnel_reasons.columns)
AS_OF_S = int(UNTIL.timestamp())  # the as_of of the sync that made the rows


def definition() -> CompiledDefinition:
    return compile_definition(load_definition(REPO / "definitions"))


class Population:
    """Seeded people walking the default ladder: most stay inquiries; some climb, skip, are recycled and come back."""

    def __init__(self, compiled: CompiledDefinition, seed: int) -> None:
        self.rng = random.Random(seed)
        self.compiled = compiled
        self.codes = StageCodes(compiled)
        self.calendar = business_calendar(compiled.definition.calendar)
        self.ladder = compiled.ladder
        self.side = self.codes.side
        self.until = int(UNTIL.timestamp())

    def path(self) -> list[tuple[int, str]]:
        rng, ladder = self.rng, self.ladder
        at = int(FIRST.timestamp()) + rng.randrange(460 * 86_400)
        path = [(at, ladder[0])]
        level = 0
        chances = (0.4, 0.55, 0.6, 0.4, 0.3)
        while level + 1 < len(ladder) and rng.random() < chances[min(level, len(chances) - 1)]:
            at += int(rng.expovariate(1 / (4 * 86_400))) + 3_600
            if rng.random() < 0.1 and level > 0 and self.side:  # recycled; a third come back to the second stage
                path.append((at, self.side[0]))
                if rng.random() > 0.33:
                    break
                at += int(rng.expovariate(1 / (20 * 86_400))) + 3_600
                level = 1
                path.append((at, ladder[level]))
                continue
            level += 2 if rng.random() < 0.05 and level + 2 < len(ladder) else 1  # a few skip a stage
            path.append((at, ladder[level]))
        if rng.random() < 0.06 and len(self.side) > 1:
            path.append((at + int(rng.expovariate(1 / (10 * 86_400))) + 3_600, self.side[1]))
        return [(when, stage) for when, stage in path if when < self.until]

    def segments(self, view: str, key: str, path: list[tuple[int, str]], owner: str | None = None,
                 source: str | None = None) -> list[Segment]:
        """The stays the sync would write for this path (mapping.funnel.segments_of, as the sync makes them)."""
        events = [(datetime.fromtimestamp(at, UTC), stage) for at, stage in path]
        calendar = self.calendar if view == DEFINITION else None
        return segments_of(view, key, events, self.codes, self.compiled.zone, calendar, owner, source)

    def person(self, n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]],
                                      dict[str, Any] | None]:
        """(segments, records, reasons, an SLA clock or None) of person n: a Salesforce lead, mostly a HubSpot
        contact too."""
        rng, version = self.rng, self.compiled.version
        path = self.path()
        owner, source = rng.choice(OWNERS), rng.choice(SOURCES)
        lead, person = f"00Q{n:015d}", f"00Q{n:015d}"
        sf_path, reason = path, ""
        if len(path) > 1 and rng.random() < 0.15:  # the CRM lags the last move
            sf_path, reason = path[:-1], "lag"
        if rng.random() < 0.01:
            person = f"dup:p{n}@example.com"
        segments = self.segments(DEFINITION, person, path, owner, source) + self.segments("salesforce", lead, sf_path)
        stage = path[-1][1]
        records = [RecordFacts("salesforce", lead, person, sf_path[-1][1], stage, reason, owner, source, version, AS_OF_S)]
        if person.startswith("dup:"):
            twin = f"00R{n:015d}"
            segments += self.segments("salesforce", twin, path)
            records += [RecordFacts("salesforce", twin, person, stage, stage, "duplicate", owner, source, version, AS_OF_S)]
            records[0] = replace(records[0], reason="duplicate")
        if rng.random() < 0.7:
            contact = str(10_000_000 + n)
            hs_path = [(at, s) for at, s in path if self.compiled.is_marketing(s) or s == self.ladder[-1]] or path[:1]
            hs_reason = "" if hs_path[-1][1] == stage else "lag"
            if hs_path[-1][1] == self.ladder[0] and rng.random() < 0.08:  # HubSpot calls an unscored inquiry an MQL
                hs_path = [*hs_path, (hs_path[-1][0] + 86_400, self.ladder[1])]
                hs_reason = "unmet_criteria"
            hs_path = [(at, s) for at, s in hs_path if at < self.until]
            segments += self.segments("hubspot", contact, hs_path)
            records.append(RecordFacts("hubspot", contact, person, hs_path[-1][1], stage, hs_reason, owner, source,
                                       version, AS_OF_S))
        reasons = reason_history(records, segments, self.compiled.zone)
        clock: dict[str, Any] | None = None
        mql = next((at for at, s in path if s == self.ladder[1]), None)
        if mql is not None:
            state = rng.choices(["met", "missed", "breached", "on_track", "at_risk"], [60, 15, 15, 7, 3])[0]
            started = datetime.fromtimestamp(mql, UTC)
            clock = {"system": "salesforce", "record_id": lead, "stage": self.ladder[1], "state": state,
                     "started_at": started, "estimated": False, "due_at": started + timedelta(hours=4),
                     "owner_id": owner, "updated_at": UNTIL}
        return ([segment_values(s) for s in segments], [astuple(r) for r in records],
                [reason_values(r) for r in reasons], clock)


def chunks(population: Population, people: int) -> Iterator[tuple[list[Any], list[Any], list[Any], list[Any]]]:
    for start in range(0, people, CHUNK):
        segments, records, reasons, clocks = [], [], [], []
        for n in range(start, min(people, start + CHUNK)):
            s, r, q, c = population.person(n)
            segments += s
            records += r
            reasons += q
            if c is not None:
                clocks.append(c)
        yield segments, records, reasons, clocks


def load(store: SqlRunState, people: int, compiled: CompiledDefinition) -> int:
    """Bulk-load N people; the rows loaded."""
    with store.engine.begin() as c:
        for table in (schema.funnel_segments, schema.funnel_records, schema.funnel_reasons, schema.sla_clocks):
            c.execute(table.delete())
    loaded = 0
    postgres = store.engine.dialect.name == "postgresql"
    for segments, records, reasons, clocks in chunks(Population(compiled, seed=17), people):
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for name, columns, rows in (("funnel_segments", SEGMENT_COLUMNS, segments),
                                        ("funnel_records", RECORD_COLUMNS, records),
                                        ("funnel_reasons", REASON_COLUMNS, reasons)):
                if postgres:
                    _copy(cursor, name, columns, rows)
                else:
                    cursor.executemany(_insert_sql(name, columns), rows)
            raw.commit()
        finally:
            raw.close()
        with store.engine.begin() as c:
            c.execute(insert(schema.sla_clocks), clocks)
        loaded += len(segments) + len(records) + len(reasons) + len(clocks)
    # PostgreSQL: VACUUM too, as autovacuum would have by the time anyone asks, so index-only scans see visible pages.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    return loaded


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def measure(url: str, people: int) -> None:
    """The funnel of the loaded store, timed (the child process's part)."""
    compiled = definition()
    store = open_run_state(url)
    services = Services(compiled, {}, store, RunSettings())  # no systems: owner ids are shown (no lookup)
    started = time.perf_counter()
    funnel = build_funnel(services, FunnelQuery(UNTIL, period=PeriodKind.MONTH, by="owner"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    entered = sum(funnel.tables.entered.values())
    print(f"funnel: {people / seconds:,.0f} people/s, peak {peak:,.0f} MB  ({people:,} people, {seconds:.1f} s, "
          f"{store.engine.dialect.name}, {len(funnel.periods)} months by owner, {entered:,} stage entries)")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/funnel.db"
    if args.measure:
        measure(url, args.people)
        return
    store = open_run_state(url)
    started = time.perf_counter()
    rows = load(store, args.people, definition())
    store.close()
    print(f"loaded {args.people:,} people ({rows:,} rows) in {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run([sys.executable, __file__, "--measure", "--people", str(args.people), "--database-url", url], check=True)


if __name__ == "__main__":
    main()
