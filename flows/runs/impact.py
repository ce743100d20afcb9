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
from connectors.snapshots import RefusingWriter, SnapshotReads, SnapshotSource
from flows.runs.batches import Normalized, RunMemory, plan_batch, reads_alike
from flows.runs.services import CRM, MA, Services, SystemPorts
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


def replay_together(each: Sequence[Services], as_of: datetime) -> list[Replayed]:
    """`replay` of several services over the same sources, page by page in step: the first one's pages are planned
    by all, so sources that share their reads (`SnapshotReads`) read each page, its partners and evidence once."""
    memories = [RunMemory() for _ in each]
    found = [Replayed() for _ in each]
    shared = Normalized()
    normalizers = [shared if reads_alike(services.compiled, each[0].compiled) else Normalized() for services in each]
    for system in (CRM, MA):
        for page in _pages(each[0], system, as_of):
            for services, memory, replayed, normalized in zip(each, memories, found, normalizers, strict=True):
                batch = plan_batch(services, system, page, as_of, memory, keep_snapshots=False, normalized=normalized)
                replayed.add(batch.plan, batch.pairs)
            for normalized in normalizers:
                normalized.clear()
    return found


def _pages(services: Services, system: str, as_of: datetime) -> Iterator[list[dict[str, Any]]]:
    # Changes up to the as-of, never beyond the wall clock; an as-of before BEGINNING reads nothing.
    end = max(BEGINNING, min(as_of, services.clock()))
    yield from services.systems[system].source.iter_changed(TimeWindow(BEGINNING, end))


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
