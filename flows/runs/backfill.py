"""Backfill: a long window cut into chunks, each planned (and applied unless dry run) as its own sync; or, when the
range holds most of a system's records (a wide backfill), one sync that pulls both systems whole and joins them
(DESIGN §8): cheaper than looking most of the other system up page by page, chunk after chunk.

Finished chunks are checkpointed in the state store, so rerunning a failed backfill skips them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.ports import TimeWindow
from flows.runs.join import EVERYTHING, can_join
from flows.runs.services import CRM, MA, Services
from flows.runs.sync import BatchHook, RunReport, run_sync

CHECKPOINT_KIND = "backfill"
WIDE_SHARE = 0.5  # a range holding this share of a system's records or more is pulled whole: one run, joined
log = logging.getLogger(__name__)


@dataclass
class BackfillReport:
    chunks: list[str] = field(default_factory=list)
    skipped_chunks: list[str] = field(default_factory=list)
    reports: list[RunReport] = field(default_factory=list)
    status: str = "succeeded"

    @property
    def corrections(self) -> int:
        return sum(r.tally.corrections for r in self.reports)


def chunk_windows(start: datetime, end: datetime, chunk: timedelta) -> Iterator[TimeWindow]:
    cursor = start
    while cursor < end:
        yield TimeWindow(cursor, min(cursor + chunk, end))
        cursor += chunk


def slice_windows(start: datetime, end: datetime, chunk: timedelta, slices: int) -> list[TimeWindow]:
    """`[start, end)` cut into at most `slices` disjoint ranges of whole chunks, as even as the chunks allow.

    Each range starts on the chunk grid of the whole range, so its chunks (and their checkpoint keys) are exactly
    those a single run over the whole range would walk: a sliced backfill and an unsliced one resume each other.
    """
    chunks = list(chunk_windows(start, end, chunk))
    size, extra = divmod(len(chunks), max(1, min(slices, len(chunks))))
    ranges: list[TimeWindow] = []
    first = 0
    while first < len(chunks):
        last = first + size + (1 if len(ranges) < extra else 0)
        ranges.append(TimeWindow(chunks[first].start, chunks[last - 1].end))
        first = last
    return ranges


def chunk_key(window: TimeWindow, systems: Sequence[str], dry_run: bool) -> str:
    mode = "dry" if dry_run else "apply"
    return f"{mode}:{'+'.join(sorted(systems))}:{window.start.isoformat()}/{window.end.isoformat()}"


def run_backfill(
    services: Services,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    systems: Sequence[str] = (CRM, MA),
    dry_run: bool = True,
    chunk: timedelta = timedelta(days=7),
    allow_mass_change: bool = False,
    batch_hook: BatchHook | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    one_of_slices: bool = False,
    whole: bool | None = None,
) -> BackfillReport:
    """Plan (and unless `dry_run`, apply) every chunk not yet done; chunks of dry runs are never checkpointed.

    The range stops at the wall clock: a chunk of the future would be checkpointed as done before it happened.
    `one_of_slices`: this run walks one slice of a fanned-out backfill, so it locks its own range, not the kind.
    `whole`: the range as one run that pulls both systems whole (True), in chunks (False), or (None) one run when it
    holds most of a system (`holds_most`; never for a slice: the slices of one backfill would each pull whole).
    """
    lock = f"backfill:{start:%Y%m%dT%H%M%S}-{end:%Y%m%dT%H%M%S}" if one_of_slices else None
    report = BackfillReport()
    span = TimeWindow(start, min(end, services.clock()))
    wide = span.end > span.start and can_join(services) and (
        whole if whole is not None else not one_of_slices and holds_most(services, span, systems))
    windows = [span] if wide else list(chunk_windows(span.start, span.end, chunk))
    done = services.state.done_keys(CHECKPOINT_KIND)
    for number, window in enumerate(windows, start=1):
        key = chunk_key(window, systems, dry_run)
        if key in done:
            report.skipped_chunks.append(key)
            continue
        run = run_sync(services, as_of=as_of, dry_run=dry_run, allow_mass_change=allow_mass_change,
                       windows=_windows(window, systems), kind="backfill", advance_watermarks=False,
                       batch_hook=batch_hook, lock=lock, whole=wide)
        report.reports.append(run)
        report.chunks.append(key)
        if run.status not in ("succeeded", "dry_run"):
            report.status = run.status
            break
        if not dry_run:
            services.state.mark_done(CHECKPOINT_KIND, key, run.counts())
        if progress:
            progress(number, len(windows), key)
    return report


def holds_most(services: Services, window: TimeWindow, systems: Sequence[str]) -> bool:
    """The window holds at least `WIDE_SHARE` of one of the systems' records (two counts per system)."""
    for system in systems:
        source = services.systems[system].source
        held, total = source.count_changed(window), source.count_changed(EVERYTHING)
        if total and held >= WIDE_SHARE * total:
            log.info("backfill %s – %s holds %d of %s's %d records: one run, both systems pulled whole", window.start,
                     window.end, held, system, total)
            return True
    log.info("backfill %s – %s: under %.0f%% of each system's records: chunks, partners looked up", window.start,
             window.end, WIDE_SHARE * 100)
    return False


def _windows(window: TimeWindow, systems: Sequence[str]) -> dict[str, TimeWindow]:
    empty = TimeWindow(window.start, window.start)
    return {system: (window if system in systems else empty) for system in (CRM, MA)}
