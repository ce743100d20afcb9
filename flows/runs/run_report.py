"""What a run reports: its counts and first rows in memory, every correction, skip and SLA clock in the state store.

The run keeps its items (`connectors.ports.RunItems`) as it plans each batch, so memory holds the tallies and a
few rows whatever the size of the org; the plan's JSON, the apply step and the SLA flags page through the store.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.ports import CORRECTION, SKIPPED, SLA, RunItems, TimeWindow
from flows.runs.apply import ApplyResult
from mapping.guards import BlastRadius
from mapping.match import DuplicateFinding
from mapping.plan import Correction, Decided, Skipped, Violation
from mapping.quarantine import QuarantinedValue, UnmappedValue
from mapping.sla import SlaEntry

JOIN = "join"  # both systems pulled whole, partners found in the state store (a full run)
LOOKUPS = "lookups"  # the window's pages, partners looked up at the APIs (an incremental run)
FIRST_ROWS = 500  # rows of each finding a report keeps in memory (tables, findings); the store has them all
ITEM_PAGE = 2_000


@dataclass
class Tally:
    """Counts of what a run kept in the store, and the first rows of each kind for tables and findings."""

    corrections: int = 0
    records_corrected: int = 0
    skipped: int = 0
    sla: int = 0
    violations: int = 0
    duplicates: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)  # corrections by rule (a clearing step 1 not counted)
    by_system: Counter[str] = field(default_factory=Counter)  # corrections by system
    sla_states: Counter[str] = field(default_factory=Counter)
    owner_ids: set[str] = field(default_factory=set)  # owners of the SLA clocks (a few hundred at most)
    first_corrections: list[Correction] = field(default_factory=list)
    first_violations: list[Violation] = field(default_factory=list)
    first_duplicates: list[DuplicateFinding] = field(default_factory=list)
    seen_duplicates: set[DuplicateFinding] = field(default_factory=set)  # one finding may come on several pages

    def add_corrections(self, corrections: Sequence[Correction]) -> None:
        self.corrections += len(corrections)
        self.records_corrected += len({(c.system, c.record_id) for c in corrections})
        self.by_rule.update(c.rule for c in corrections if c.step != 1)
        self.by_system.update(c.system for c in corrections)
        self.first_corrections += corrections[: FIRST_ROWS - len(self.first_corrections)]

    def add_sla(self, entries: Sequence[SlaEntry]) -> None:
        self.sla += len(entries)
        self.sla_states.update(e.state.value for e in entries)
        self.owner_ids.update(e.owner_id for e in entries if e.owner_id)

    def add_violations(self, violations: Sequence[Violation]) -> None:
        self.violations += len(violations)
        self.first_violations += violations[: FIRST_ROWS - len(self.first_violations)]

    def add_duplicates(self, found: Sequence[DuplicateFinding]) -> None:
        new = [d for d in found if d not in self.seen_duplicates]
        self.seen_duplicates.update(new)
        self.duplicates += len(new)
        self.first_duplicates += new[: FIRST_ROWS - len(self.first_duplicates)]


@dataclass
class RunReport:
    run_id: str
    kind: str
    as_of: datetime
    dry_run: bool
    windows: dict[str, TimeWindow] = field(default_factory=dict)
    status: str = "running"
    records_seen: int = 0
    leads: int = 0
    tally: Tally = field(default_factory=Tally)
    items: RunItems | None = None  # where the run's corrections, skips and SLA clocks are kept
    applied: dict[str, ApplyResult] = field(default_factory=dict)
    blast: BlastRadius | None = None
    new_breaches: int = 0
    flagged: list[SlaEntry] = field(default_factory=list)  # the first new breaches: what a notification tells
    cleared_flags: int = 0
    settled_intents: int = 0
    revisited: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""
    owner_names: dict[str, str] = field(default_factory=dict)  # owner id -> name, where a run looked them up
    would_block: str = ""  # a dry run: the guard that would stop the real run, and why ("" = it would go ahead)
    decisions: list[Decided] | None = None  # every lead's verdict, kept only when asked (`plan --json`)
    unmapped: list[UnmappedValue] = field(default_factory=list)
    quarantined: list[QuarantinedValue] = field(default_factory=list)  # garbage values, with record and field
    path: str = LOOKUPS  # how partners were found: JOIN (a full run) or LOOKUPS
    wide: bool = False  # its windows hold most of a system (a wide backfill): pulled whole
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step (pull, plan, apply): where it went

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started

    def timings(self) -> str:
        return ", ".join(f"{step} {spent:.1f} s" for step, spent in self.seconds.items())

    def iter_items(self, kind: str, system: str | None = None) -> Iterator[Any]:
        """Every kept item of `kind`, page by page from the state store."""
        for page in self.item_pages(kind, system):
            yield from page

    def item_pages(self, kind: str, system: str | None = None) -> Iterator[list[Any]]:
        if self.items is None:
            return
        after = 0
        while page := self.items.item_page(self.run_id, kind, after, ITEM_PAGE, system):
            yield [item for _, item in page]
            after = page[-1][0]

    @property
    def corrections(self) -> list[Correction]:
        """Every correction, read whole from the store: for the JSON plan and tests (the run itself pages)."""
        return list(self.iter_items(CORRECTION))

    @property
    def skipped(self) -> list[Skipped]:
        return list(self.iter_items(SKIPPED))

    @property
    def sla(self) -> list[SlaEntry]:
        return list(self.iter_items(SLA))

    @property
    def violations(self) -> list[Violation]:
        """The first violations (all their count is `tally.violations`)."""
        return self.tally.first_violations

    @property
    def duplicates(self) -> list[DuplicateFinding]:
        return self.tally.first_duplicates

    def counts(self) -> dict[str, int]:
        tally = self.tally
        return {
            "records_seen": self.records_seen, "leads": self.leads, "corrections": tally.corrections,
            "records_corrected": tally.records_corrected,
            "skipped": tally.skipped, "violations": tally.violations, "duplicates": tally.duplicates,
            "unmapped_values": len(self.unmapped), "quarantined_values": len(self.quarantined),
            "sla_clocks": tally.sla,
            "applied": sum(r.applied for r in self.applied.values()),
            "failed": sum(len(r.failed) for r in self.applied.values()),
            "stale": sum(len(r.stale) for r in self.applied.values()),
            "held": sum(r.held for r in self.applied.values()),
            "new_breaches": self.new_breaches, "cleared_flags": self.cleared_flags,
            "whole_pulls": 2 if self.path == JOIN else 0,
        }
