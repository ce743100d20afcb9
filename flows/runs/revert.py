"""Revert a run: put back the values it wrote, where the system still holds what we wrote; report the rest."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from flows.runs.apply import ApplyResult, apply_corrections
from flows.runs.locks import WRITES_LOCK, waiting_lock
from flows.runs.services import Services
from flows.runs.sync import LOCK_TTL
from mapping.plan import Correction, default_forward_only


@dataclass
class RevertReport:
    run_id: str
    reverted: list[Correction] = field(default_factory=list)
    changed_since: list[Correction] = field(default_factory=list)  # someone changed the value after us: left alone
    results: dict[str, ApplyResult] = field(default_factory=dict)


def run_revert(services: Services, reverted_run: str, *, as_of: datetime) -> RevertReport:
    state = services.state
    run_id = state.start_run("revert", {"run": reverted_run})
    report = RevertReport(run_id)
    with state.lock("sync", run_id, LOCK_TTL), \
            waiting_lock(state, WRITES_LOCK, run_id, LOCK_TTL, services.settings.apply_wait_s):
        applied = state.applied_changes(reverted_run)
        for system, changes in _by_system(applied).items():
            undo, left = _undo(services, system, changes)
            report.changed_since += left
            if undo:
                report.results[system] = apply_corrections(services, run_id, system, undo)
                report.reverted += undo
        state.mark_reverted(reverted_run, [(c.system, c.record_id, c.field) for c in report.reverted])
        # The undo sticks: the next syncs leave these records alone until the definition changes or a release.
        state.hold(sorted({(c.system, c.record_id) for c in report.reverted}), services.compiled.version,
                   reverted_run, as_of)
    state.finish_run(run_id, "succeeded", {"reverted": len(report.reverted), "changed_since": len(report.changed_since)})
    return report


def _by_system(changes: list[Correction]) -> dict[str, list[Correction]]:
    grouped: dict[str, list[Correction]] = defaultdict(list)
    for change in changes:
        grouped[change.system].append(change)
    return grouped


def _undo(services: Services, system: str, changes: list[Correction]) -> tuple[list[Correction], list[Correction]]:
    """Per (record, field): the original value back, if the field still holds our final value."""
    first: dict[tuple[str, str], Correction] = {}
    last: dict[tuple[str, str], Correction] = {}
    for change in sorted(changes, key=lambda c: c.step):
        first.setdefault((change.record_id, change.field), change)
        last[(change.record_id, change.field)] = change
    current = services.systems[system].writer.read_stage_values(sorted({c.record_id for c in changes}))
    order = default_forward_only(services.compiled)
    undo: list[Correction] = []
    left: list[Correction] = []
    for key, final in last.items():
        held = (current.get(key[0]) or {}).get(key[1])
        if (held or None) != (final.after or None):
            left.append(final)
            continue
        undo += _restore(first[key], final, order.get(key[1]), _annotations(services, system))
    return undo, left


def _annotations(services: Services, system: str) -> tuple[tuple[str, str | None], ...]:
    """A reverted lead's reason says so, and its SLA due time (set with the correction) is cleared."""
    configured = services.compiled.systems[system].mapping.annotations
    roles = configured.by_role() if configured else {}
    extras: list[tuple[str, str | None]] = []
    if "reason" in roles:
        extras.append((roles["reason"], "Stage restored: a leadsync correction was reverted"))
    if "sla_due" in roles:
        extras.append((roles["sla_due"], None))
    return tuple(extras)


def _restore(first: Correction, final: Correction, order: tuple[str, ...] | None,
             extras: tuple[tuple[str, str | None], ...]) -> list[Correction]:
    original = first.before
    base = Correction(final.system, final.record_id, final.field, final.after, original, final.stage_after,
                      first.stage_before or "", "revert", f"Reverted leadsync run correction ({final.rule})",
                      final.definition_version)
    backwards = (order is not None and original is not None and final.after is not None
                 and original in order and final.after in order and order.index(original) < order.index(final.after))
    if original and backwards:
        return [replace(base, after=None, step=1), replace(base, step=2, extras=extras)]
    return [replace(base, extras=extras)]
