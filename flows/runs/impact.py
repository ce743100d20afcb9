"""`definitions impact`: replay the known leads through the current and a proposed definition, write nothing.

By default the replay reads the state store's snapshots (the last pulled copy of each record, with its stage
history and activities), so it makes no API call at all. With `live`, both definitions pull fresh through the
connectors (reads only). Either way the same planning code as a sync runs, stopped before anything is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.ports import RunLog, RunState, TimeWindow
from connectors.settings import RunSettings
from connectors.snapshots import SnapshotReads, SnapshotSource
from flows.runs.batches import PlannedInMemory, RunMemory, plan_batch, reads_alike
from flows.runs.impact_parts import plan_page, range_cuts, replay_ranges, snapshot_services
from flows.runs.services import CRM, MA, Services
from flows.runs.sync import BEGINNING
from mapping.definition.compiled import CompiledDefinition
from mapping.impact import Impact, Replayed, compare, known_values, values_to_create

IMPACT_KIND = "impact"
LiveServices = Callable[[CompiledDefinition], AbstractContextManager[Services]]


@dataclass
class ImpactResult:
    impact: Impact
    source: str  # "snapshots" or "live"
    old_label: str
    new_label: str

    def summary(self) -> dict[str, Any]:
        """What the CLI prints, the flow returns and the report keeps: `Impact.as_dict()` with where it came from."""
        return {**self.impact.as_dict(), "source": self.source, "old_label": self.old_label, "new_label": self.new_label}


def run_impact(state: RunState, settings: RunSettings, old: CompiledDefinition, new: CompiledDefinition, *,
               as_of: datetime, live: LiveServices | None = None, labels: tuple[str, str] = ("current", "proposed"),
               record: bool = True) -> ImpactResult:
    """Compare `old` and `new` on the same leads; with `record`, keep the summary for the report."""
    if live is None:
        reads = SnapshotReads(state)
        before, after = replay_together([snapshot_services(state, settings, old, reads),
                                         snapshot_services(state, settings, new, reads)], as_of)
        existing = known_values(old)
    else:
        with live(old) as services:
            before = replay(services, as_of)
            existing = live_values(services)
        with live(new) as services:
            after = replay(services, as_of)
    impact = compare(before, after, old, new, values_to_create(new, existing))
    result = ImpactResult(impact, "live" if live else "snapshots", *labels)
    if record:
        _record(state, result)
    return result


def replay(services: Services, as_of: datetime) -> Replayed:
    """Every lead the sources hold, planned as a dry run would plan it: one outcome per lead, and its records."""
    return replay_together([services], as_of)[0]


def replay_together(each: Sequence[Services], as_of: datetime, parts: int | None = None) -> list[Replayed]:
    """`replay` of several services over the same sources, page by page in step. Definitions that read records
    alike (`reads_alike`, e.g. a changed threshold) pair each page once and plan it each; others replay alone.

    Over a store another process can open, the Salesforce pages are cut by id into `parts` ranges replayed side by
    side (`flows.runs.impact_parts`); None: one per core for a big store, else one."""
    if all(reads_alike(services.compiled, each[0].compiled) for services in each):
        return _replay_paired_once(each, as_of, parts)
    return [replay_alone(services, as_of) for services in each]


def replay_alone(services: Services, as_of: datetime) -> Replayed:
    memory, replayed = RunMemory(), Replayed()
    for system in (CRM, MA):
        for page in _pages(services, system, as_of, memory):
            batch = plan_batch(services, system, page, as_of, memory, keep_snapshots=False)
            replayed.add(batch.plan, batch.pairs)
    return replayed


def _replay_paired_once(each: Sequence[Services], as_of: datetime, parts: int | None) -> list[Replayed]:
    found, first = [Replayed() for _ in each], each[0]
    cuts = range_cuts(first, parts)
    systems: tuple[str, ...]
    if cuts:  # the Salesforce pages in id ranges side by side, then HubSpot's leftovers here
        memory, systems = RunMemory(PlannedInMemory(replay_ranges(each, as_of, cuts, found))), (MA,)
    else:
        memory, systems = RunMemory(), (CRM, MA)
    for system in systems:
        for page in _pages(first, system, as_of, memory):
            done = plan_page(each, system, page, memory, as_of)
            if done is not None:
                for replayed, replayed_page in zip(found, done.replayed, strict=True):
                    replayed.take(replayed_page)
    return found


def _pages(services: Services, system: str, as_of: datetime,
           memory: RunMemory | None = None) -> Iterator[list[dict[str, Any]]]:
    source = services.systems[system].source
    if memory is not None and isinstance(source, SnapshotSource):  # planned partners are not read again
        yield from source.iter_unplanned(lambda ids: {i for _, i in memory.processed.among((system, i) for i in ids)})
        return
    # Changes up to the as-of, never beyond the wall clock; an as-of before BEGINNING reads nothing.
    end = max(BEGINNING, min(as_of, services.clock()))
    yield from source.iter_changed(TimeWindow(BEGINNING, end))


def live_values(services: Services) -> dict[str, set[str]]:
    """The stage values each system's stage fields accept today (a read of the picklists)."""
    found: dict[str, set[str]] = {}
    for system, view in services.compiled.systems.items():
        values = found.setdefault(system, set())
        for stage_field in view.mapping.stage_fields:
            values.update(v.value for v in services.systems[system].picklist.read_picklist(stage_field.field))
    return found


def _record(state: RunLog, result: ImpactResult) -> None:
    run_id = state.start_run(IMPACT_KIND, {"source": result.source, "old": result.old_label, "new": result.new_label})
    state.save_findings(run_id, {"impact": [result.summary()]})
    state.finish_run(run_id, "succeeded", {"leads": result.impact.leads, "changed": len(result.impact.changed)})
