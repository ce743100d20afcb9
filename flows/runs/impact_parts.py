"""`definitions impact` over a big snapshot store on every core: the Salesforce pages cut by record id into ranges,
each replayed in a process of its own (this one takes the first), put together in id order as one replay plans them.

One replay plans a record once: a HubSpot contact paired with a lead on an earlier page is not paired again. A range
replayed alone cannot know what earlier ranges paired, so its pages are joined here in order, and a pair whose contact
an earlier range planned is dropped, as the one replay drops it (its lead is then left to HubSpot's pages, as there).
Each process opens the store itself (`shared_url`) and compiles the definitions itself: compiled criteria are
closures, which do not travel between processes; a `Definition` does.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from connectors.ports import RawRecord, RunState
from connectors.settings import RunSettings
from connectors.snapshots import RefusingWriter, SnapshotReads, SnapshotSource
from connectors.store.sql_state import open_run_state
from flows.runs.batches import RunMemory, pair_page, plan_paired
from flows.runs.services import CRM, MA, Services, SystemPorts
from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.definition.models import Definition
from mapping.impact import Replayed, ReplayedPage, replayed_page

Key = tuple[str, str]
MAX_PARTS = 8
PART_FROM = 10_000  # Salesforce snapshots a range needs to pay for its process's start (about a second)


@dataclass(frozen=True)
class PageDone:
    """One planned page of a range: its pairs' records (Salesforce, HubSpot) and what it adds to each replay."""

    pairs: list[tuple[Key | None, Key | None]]
    replayed: list[ReplayedPage]  # one per definition


def snapshot_services(state: RunState, settings: RunSettings, compiled: CompiledDefinition,
                      reads: SnapshotReads | None = None) -> Services:
    """Read-only services over the snapshots: the replay cannot write, by construction."""
    systems = {}
    shared = reads or SnapshotReads(state)
    for system in (CRM, MA):
        source = SnapshotSource(state, system, shared)
        systems[system] = SystemPorts(source, RefusingWriter(), None,  # type: ignore[arg-type]  # never provisions
                                      evidence=source if system == CRM else None)
    return Services(compiled, systems, state, settings)


def range_cuts(services: Services, parts: int | None) -> list[str]:
    """The Salesforce ids ending each range but the last: `parts` ranges, or (None) one per core of at least
    `PART_FROM` snapshots each; none where the store cannot be opened by another process."""
    source = services.systems[CRM].source
    if services.state.shared_url() is None or not isinstance(source, SnapshotSource):
        return []
    wanted = parts or min(os.cpu_count() or 1, MAX_PARTS)
    # Whole pages: each range's pages are the one replay's pages (its duplicates are found within a page).
    return services.state.snapshot_cuts(CRM, wanted, source.reads.page, 1 if parts else PART_FROM) if wanted > 1 else []


def replay_ranges(each: Sequence[Services], as_of: datetime, cuts: Sequence[str], found: list[Replayed]) -> set[Key]:
    """Replay the Salesforce pages range by range side by side into `found`; the records planned (for HubSpot's)."""
    url, source = each[0].state.shared_url(), each[0].systems[CRM].source
    assert url is not None and isinstance(source, SnapshotSource), "range_cuts cuts only snapshots another process opens"
    bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
    definitions = [services.compiled.definition for services in each]
    with ProcessPoolExecutor(len(bounds) - 1, multiprocessing.get_context("spawn")) as pool:
        later = [pool.submit(_replay_range, url, source.reads.page, definitions, each[0].settings, as_of, *bound)
                 for bound in bounds[1:]]
        here = list(range_pages(each, as_of, *bounds[0]))
        planned: set[Key] = set()
        for part in [here, *(future.result() for future in later)]:
            join_range(found, part, planned)
    return planned


def join_range(found: list[Replayed], pages: Sequence[PageDone], planned: set[Key]) -> None:
    """Take a range's pages into the replays, less the pairs whose contact an earlier range planned."""
    for page in pages:
        dropped = {(crm, ma) for crm, ma in page.pairs if ma is not None and ma in planned}
        leads = {crm or ma for crm, ma in dropped if crm or ma}
        records = {ma for _, ma in dropped if ma is not None}
        for replayed, done in zip(found, page.replayed, strict=True):
            replayed.take(done.without(leads, records) if dropped else done)
        planned.update(key for crm, ma in page.pairs if (crm, ma) not in dropped for key in (crm, ma) if key)


def range_pages(each: Sequence[Services], as_of: datetime, after: str | None, through: str | None) -> Iterator[PageDone]:
    memory, source = RunMemory(), each[0].systems[CRM].source
    assert isinstance(source, SnapshotSource)
    for page in source.iter_range(after, through):
        done = plan_page(each, CRM, page, memory, as_of)
        if done is not None:
            yield done


def plan_page(each: Sequence[Services], system: str, page: Sequence[RawRecord], memory: RunMemory,
              as_of: datetime) -> PageDone | None:
    """One page paired once (by the first services) and planned under each definition; None: nothing left to plan."""
    first = each[0]
    paired = pair_page(first, system, page, memory)
    if paired is None:
        return None
    observed = first.state.first_observed([pair.primary.key for pair in paired.pairs])
    return PageDone([(p.crm.key if p.crm else None, p.ma.key if p.ma else None) for p in paired.pairs],
                    [replayed_page(plan_paired(services, paired.pairs, as_of, observed), paired.pairs)
                     for services in each])


def _replay_range(url: SecretStr, page: int, definitions: list[Definition], settings: RunSettings, as_of: datetime,
                  after: str | None, through: str | None) -> list[PageDone]:
    state = open_run_state(url)
    try:
        reads = SnapshotReads(state, page)
        each = [snapshot_services(state, settings, compile_definition(d), reads) for d in definitions]
        return list(range_pages(each, as_of, after, through))
    finally:
        state.close()
