"""SLA sweep: re-evaluate every open SLA clock (breaches happen with no record changing), flag, clear, and name the
clocks' owners for the breach notification."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flows.runs.batches import RunMemory, plan_batch
from flows.runs.locks import WRITES_LOCK, waiting_lock
from flows.runs.owner_names import name_report_owners
from flows.runs.services import Services
from flows.runs.sync import LOCK_TTL, RunReport, check_as_of, flag_sla, keep_sla

READ_CHUNK = 200


@dataclass
class SweepReport:
    report: RunReport
    clocks_checked: int = 0
    states: dict[str, int] = field(default_factory=dict)


def run_sla_sweep(services: Services, *, as_of: datetime) -> SweepReport:
    """Raises FutureAsOfError for an `as_of` beyond the wall clock: a sweep flags breaches in the CRM."""
    check_as_of(as_of, services.clock(), applying=True)
    state = services.state
    run_id = state.start_run("sla_sweep", {})
    report = RunReport(run_id, "sla_sweep", as_of, dry_run=False, items=state)
    sweep = SweepReport(report)
    with state.lock("sla_sweep", run_id, LOCK_TTL):
        by_system: dict[str, list[str]] = defaultdict(list)
        for system, record_id in state.open_clocks():
            by_system[system].append(record_id)
        memory = RunMemory()
        for system, ids in by_system.items():
            for start in range(0, len(ids), READ_CHUNK):
                records = services.systems[system].source.read_records(ids[start : start + READ_CHUNK])
                batch = plan_batch(services, system, records, as_of, memory, keep_snapshots=False)
                keep_sla(state, report, batch.plan.sla)
                sweep.clocks_checked += len(records)
        with waiting_lock(state, WRITES_LOCK, run_id, LOCK_TTL, services.settings.apply_wait_s):
            flag_sla(services, report)
        name_report_owners(services, report)
        sweep.states = dict(report.tally.sla_states)
        report.status = "succeeded"
    state.finish_run(run_id, report.status, {"clocks": sweep.clocks_checked, "new_breaches": report.new_breaches,
                                             "cleared_flags": report.cleared_flags})
    return sweep


