"""A fake `RunState` in memory: every state role, for fast tests of the orchestration (the SQL store is the real one;
tests/store runs one suite over both)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from connectors.errors import RunLockedError
from connectors.ports import (
    OBSERVED,
    CachedOwnerName,
    Hold,
    PulledRecord,
    RawRecord,
    SlaTransitions,
    Snapshot,
    StageEvidence,
    WriteOutcome,
)
from connectors.snapshots import range_ends
from connectors.store.item_codec import item_key
from mapping.funnel import DEFINITION, FunnelPage, RecordFacts, Segment
from mapping.funnel_counts import (
    CohortCount,
    ReasonCount,
    SlaCount,
    SpanCount,
    VelocityCount,
    cohort_counts,
    ended_state,
    ends_clock,
    reason_counts,
    sla_counts,
    span_counts,
    velocity_counts,
)
from mapping.funnel_periods import PeriodGrid
from mapping.funnel_reasons import ReasonStay, reason_changes
from mapping.match import LeadPair
from mapping.plan import Correction, Skipped
from mapping.sla import Observed, SlaEntry
from mapping.sla_clock import SlaState

FLAGGED = (SlaState.BREACHED,)
NAME_CHARS = 255  # the longest owner name the SQL store keeps


@dataclass
class AuditRow:
    run_id: str
    correction: Correction
    status: str
    code: str | None = None
    at: datetime | None = None


@dataclass
class FakeRunState:
    """Runs, locks, observations, audit, SLA clocks, snapshots, checkpoints, revisits, holds and owner names, in dicts."""

    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locks: dict[str, str] = field(default_factory=dict)
    watermarks: dict[str, datetime] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # hubspot id -> salesforce id
    observed: dict[tuple[str, str], Observed] = field(default_factory=dict)
    audit: list[AuditRow] = field(default_factory=list)
    skipped: list[tuple[str, Skipped]] = field(default_factory=list)
    clocks: dict[tuple[str, str], SlaEntry] = field(default_factory=dict)
    ended_clocks: dict[tuple[str, str, str, datetime], tuple[str, str | None]] = field(default_factory=dict)  # -> state, owner
    flagged: dict[tuple[str, str], str] = field(default_factory=dict)
    checkpoints: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings_by_kind: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    snapshot_store: dict[tuple[str, str], Snapshot] = field(default_factory=dict)
    revisit_store: dict[tuple[str, str], str | None] = field(default_factory=dict)
    hold_store: dict[tuple[str, str], Hold] = field(default_factory=dict)
    owner_name_store: dict[tuple[str, str], CachedOwnerName] = field(default_factory=dict)  # (system, owner id)
    pulled_store: dict[tuple[str, str, str], PulledRecord] = field(default_factory=dict)  # (run, system, record id)
    pulled_evidence_store: dict[str, list[tuple[str, str, RawRecord]]] = field(default_factory=dict)  # run -> rows
    planned_store: set[tuple[str, str, str]] = field(default_factory=set)  # (run, system, record id)
    item_store: dict[tuple[str, str], list[Any]] = field(default_factory=dict)  # (run, kind) -> items in order
    funnel_records: dict[tuple[str, str], RecordFacts] = field(default_factory=dict)
    funnel_segments: dict[tuple[str, str], list[Segment]] = field(default_factory=dict)  # (view, key) -> stays
    funnel_reasons: dict[tuple[str, str], list[ReasonStay]] = field(default_factory=dict)  # record -> its history
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def start_run(self, kind: str, parameters: Mapping[str, Any]) -> str:
        run_id = str(uuid.uuid4())
        self.runs[run_id] = {"kind": kind, "parameters": dict(parameters), "status": "running",
                             "started_at": datetime.now(UTC)}
        return run_id

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, int]) -> None:
        self.runs[run_id].update(status=status, counts=dict(counts))

    @contextmanager
    def lock(self, kind: str, holder: str, ttl: timedelta) -> Iterator[None]:
        with self._mutex:
            if kind in self.locks:
                raise RunLockedError(kind, self.locks[kind])
            self.locks[kind] = holder
        try:
            yield
        finally:
            self.locks.pop(kind, None)

    def watermark(self, system: str) -> datetime | None:
        return self.watermarks.get(system)

    def links_for_hubspot(self, hubspot_ids: Sequence[str]) -> dict[str, str]:
        return {i: self.links[i] for i in hubspot_ids if i in self.links}

    def links_for_salesforce(self, salesforce_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(salesforce_ids)
        return {sf: hs for hs, sf in self.links.items() if sf in wanted}

    def first_observed(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Observed]:
        return {k: self.observed[k] for k in keys if k in self.observed}

    def recent_corrections(self, keys: Sequence[tuple[str, str]], since: datetime) -> dict[tuple[str, str], list[datetime]]:
        wanted = set(keys)
        found: dict[tuple[str, str], list[datetime]] = {}
        for row in self.audit:
            key = (row.correction.system, row.correction.record_id)
            if row.status == "applied" and key in wanted and row.at and row.at >= since:
                found.setdefault(key, []).append(row.at)
        return found

    def record_planned(self, run_id: str, corrections: Sequence[Correction], skipped: Sequence[Skipped], status: str) -> None:
        if status in ("planned", "blocked"):
            self.audit += [AuditRow(run_id, c, status) for c in corrections]
        self.skipped += [(run_id, s) for s in skipped]

    def record_intents(self, run_id: str, corrections: Sequence[Correction]) -> None:
        self.audit += [AuditRow(run_id, c, "pending") for c in corrections]

    def record_outcomes(self, run_id: str, results: Sequence[tuple[Correction, WriteOutcome]],
                        verified: set[tuple[str, str, int]]) -> None:
        outcome = {(c.record_id, c.field, c.step): o for c, o in results}
        for row in self.audit:
            key = (row.correction.record_id, row.correction.field, row.correction.step)
            if row.run_id == run_id and row.status == "pending" and key in outcome:
                row.status = outcome[key].status or ("applied" if outcome[key].ok else "failed")
                row.code = outcome[key].code
                row.at = datetime.now().astimezone()

    def pending_intents(self, system: str) -> list[tuple[str, Correction]]:
        return [(r.run_id, r.correction) for r in self.audit if r.status == "pending" and r.correction.system == system]

    def settle_intents(self, items: Sequence[tuple[str, Correction, bool]]) -> None:
        settled = {(run_id, c): applied for run_id, c, applied in items}
        for row in self.audit:
            if row.status == "pending" and (row.run_id, row.correction) in settled:
                row.status = "applied" if settled[(row.run_id, row.correction)] else "abandoned"

    def upsert_sla(self, entries: Sequence[SlaEntry], as_of: datetime) -> SlaTransitions:
        transitions = SlaTransitions()
        for entry in entries:
            key = (entry.system, entry.record_id)
            before = self.clocks.get(key)
            if before is not None and ends_clock(before.stage, before.started_at, entry.stage, entry.started_at):
                self.ended_clocks[(*key, before.stage, before.started_at)] = (ended_state(before.state.value), before.owner_id)
            self.clocks[key] = entry
            if before is None or before.state is not entry.state or before.stage != entry.stage:
                transitions = SlaTransitions(transitions.new_breaches, transitions.cleared, transitions.changed + 1)
            if entry.state in FLAGGED and self.flagged.get(key) != entry.stage:
                transitions.new_breaches.append(entry)
            elif entry.state not in FLAGGED and key in self.flagged:
                transitions.cleared.append(key)
        return transitions

    def mark_flags(self, flagged: Sequence[tuple[str, str, str]], cleared: Sequence[tuple[str, str]], at: datetime) -> None:
        for system, record_id, stage in flagged:
            self.flagged[(system, record_id)] = stage
        for key in cleared:
            self.flagged.pop(key, None)

    def record_observations(self, pairs: Sequence[Any], watermarks: Mapping[str, datetime],
                            observed_at: datetime | None = None) -> None:
        at = observed_at or datetime.now().astimezone()
        for pair in pairs:
            if isinstance(pair, LeadPair) and pair.crm is not None and pair.ma is not None:
                self.links[pair.ma.record_id] = pair.crm.record_id
            for lead in (pair.crm, pair.ma):
                if lead is not None:
                    seen = self.observed.get(lead.key)
                    entered = lead.stage_entered_at
                    if seen is None or seen.stage != lead.stage:
                        self.observed[lead.key] = Observed(lead.stage, entered or at, entered is None)
                    elif seen.estimated and entered is not None:
                        self.observed[lead.key] = seen._replace(estimated=False)
        self.watermarks.update(watermarks)

    def done_keys(self, kind: str) -> set[str]:
        return set(self.checkpoints.get(kind, {}))

    def mark_done(self, kind: str, key: str, detail: Mapping[str, Any]) -> None:
        self.checkpoints.setdefault(kind, {})[key] = dict(detail)

    def open_clocks(self) -> list[tuple[str, str]]:
        running = (SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED)
        return sorted(key for key, entry in self.clocks.items() if entry.state in running)

    def applied_changes(self, run_id: str) -> list[Correction]:
        return [row.correction for row in self.audit if row.run_id == run_id and row.status == "applied"]

    def mark_reverted(self, run_id: str, fields: Sequence[tuple[str, str, str]]) -> None:
        wanted = set(fields)
        for row in self.audit:
            c = row.correction
            if row.run_id == run_id and row.status == "applied" and (c.system, c.record_id, c.field) in wanted:
                row.status = "reverted"

    def save_findings(self, run_id: str, findings: Mapping[str, list[dict[str, Any]]]) -> None:
        self.findings = {key: list(rows) for key, rows in findings.items()}
        self.findings_by_kind[self.runs[run_id]["kind"]] = self.findings

    def latest_findings(self, kind: str | None = None) -> dict[str, list[dict[str, Any]]]:
        return self.findings if kind is None else self.findings_by_kind.get(kind, {})

    def add_revisits(self, items: Sequence[tuple[str, str, str | None]]) -> None:
        for system, record_id, code in items:
            self.revisit_store.setdefault((system, record_id), code)

    def revisits(self, system: str) -> list[str]:
        return sorted(r for s, r in self.revisit_store if s == system)

    def hold(self, keys: Sequence[tuple[str, str]], definition_version: str, run_id: str, at: datetime) -> None:
        for key in keys:
            self.hold_store[key] = Hold(run_id, at, definition_version)

    def holds(self, keys: Sequence[tuple[str, str]], definition_version: str) -> dict[tuple[str, str], Hold]:
        return {key: self.hold_store[key] for key in keys
                if key in self.hold_store and self.hold_store[key].definition_version == definition_version}

    def release(self, keys: Sequence[tuple[str, str]] | None = None, run_id: str | None = None) -> list[tuple[str, str]]:
        lifted = sorted(key for key, hold in self.hold_store.items()
                        if (keys is None or key in set(keys)) and (run_id is None or hold.run_id == run_id))
        for key in lifted:
            del self.hold_store[key]
        return lifted

    def clear_revisits(self, keys: Sequence[tuple[str, str]]) -> None:
        for key in keys:
            self.revisit_store.pop(key, None)

    def list_audit(self, status: str, limit: int) -> list[dict[str, Any]]:
        rows = [r for r in self.audit if r.status == status][-limit:]
        return [{"system": r.correction.system, "record_id": r.correction.record_id, "field": r.correction.field,
                 "after": r.correction.after, "status": r.status, "run_id": r.run_id} for r in rows]

    def save_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        for snapshot in snapshots:
            self.snapshot_store[(snapshot.system, snapshot.record_id)] = snapshot

    def snapshot_page(self, system: str, after: str | None, size: int) -> list[Snapshot]:
        return [self.snapshot_store[(system, r)] for r in FakeRunState.snapshot_ids(self, system, after, size)]

    def snapshot_ids(self, system: str, after: str | None, size: int) -> list[str]:
        return sorted(r for s, r in self.snapshot_store if s == system and (after is None or r > after))[:size]

    def snapshot_cuts(self, system: str, parts: int, page: int, at_least: int = 1) -> list[str]:
        ids = FakeRunState.snapshot_ids(self, system, None, len(self.snapshot_store))
        return [ids[end - 1] for end in range_ends(len(ids), parts, page, at_least)]

    def shared_url(self) -> SecretStr | None:
        return None  # the fake lives in this process only

    def snapshots(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]:
        return [self.snapshot_store[(system, r)] for r in dict.fromkeys(record_ids) if (system, r) in self.snapshot_store]

    def snapshots_by_email(self, system: str, emails: Sequence[str]) -> list[Snapshot]:
        wanted = set(emails)
        return [s for (sy, _), s in sorted(self.snapshot_store.items()) if sy == system and s.email in wanted]

    def keep_pulled(self, run_id: str, records: Sequence[PulledRecord]) -> None:
        for record in records:
            self.pulled_store[(run_id, record.system, record.record_id)] = record

    def keep_pulled_evidence(self, run_id: str, evidence: StageEvidence) -> None:
        rows = self.pulled_evidence_store.setdefault(run_id, [])
        for kind, grouped in (("history", evidence.history), ("activity", evidence.activities)):
            rows += [(record_id, kind, dict(row)) for record_id, found in grouped.items() for row in found]

    def pulled_page(self, run_id: str, system: str, span_ms: tuple[int, int], after: tuple[int, str] | None,
                    size: int) -> list[PulledRecord]:
        kept = sorted((r for (run, sy, _), r in self.pulled_store.items() if run == run_id and sy == system
                       and span_ms[0] <= r.modified_ms < span_ms[1]
                       and (after is None or (r.modified_ms, r.order_id) > after)),
                      key=lambda r: (r.modified_ms, r.order_id))
        return kept[:size]

    def pulled(self, run_id: str, system: str, record_ids: Sequence[str]) -> list[RawRecord]:
        wanted = set(record_ids)
        return self._pulled_where(run_id, system, lambda r: r.record_id in wanted)

    def pulled_by_email(self, run_id: str, system: str, email_keys: Sequence[str]) -> list[RawRecord]:
        wanted = set(email_keys)
        return self._pulled_where(run_id, system, lambda r: r.email_key in wanted)

    def _pulled_where(self, run_id: str, system: str, keep: Any) -> list[RawRecord]:
        found = [r for (run, sy, _), r in self.pulled_store.items() if run == run_id and sy == system and keep(r)]
        return [dict(r.record) for r in sorted(found, key=lambda r: r.order_id)]

    def pulled_evidence(self, run_id: str, record_ids: Sequence[str]) -> StageEvidence:
        wanted = set(record_ids)
        history: dict[str, list[RawRecord]] = {}
        activities: dict[str, list[RawRecord]] = {}
        for record_id, kind, row in self.pulled_evidence_store.get(run_id, []):
            if record_id in wanted:
                (history if kind == "history" else activities).setdefault(record_id, []).append(dict(row))
        return StageEvidence(history, activities)

    def mark_planned(self, run_id: str, keys: Sequence[tuple[str, str]]) -> None:
        self.planned_store |= {(run_id, s, r) for s, r in keys if (run_id, s, r) in self.pulled_store}

    def planned_of(self, run_id: str, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(s, r) for s, r in keys if (run_id, s, r) in self.planned_store}

    def drop_pulled(self, run_id: str) -> None:
        self.planned_store = {key for key in self.planned_store if key[0] != run_id}
        self.pulled_store = {key: r for key, r in self.pulled_store.items() if key[0] != run_id}
        self.pulled_evidence_store.pop(run_id, None)

    def drop_orphaned(self) -> None:
        live = set(self.locks.values())
        self.pulled_store = {key: r for key, r in self.pulled_store.items() if key[0] in live}
        self.pulled_evidence_store = {run: rows for run, rows in self.pulled_evidence_store.items() if run in live}
        self.item_store = {key: items for key, items in self.item_store.items() if key[1] != OBSERVED or key[0] in live}

    def keep_items(self, run_id: str, items: Mapping[str, Sequence[Any]]) -> None:
        for kind, found in items.items():
            self.item_store.setdefault((run_id, kind), []).extend(found)

    def item_page(self, run_id: str, kind: str, after: int, size: int,
                  system: str | None = None) -> list[tuple[int, Any]]:
        kept = enumerate(self.item_store.get((run_id, kind), []), 1)
        return [(seq, item) for seq, item in kept if seq > after and (system is None or item_key(item)[0] == system)][:size]

    def items_of(self, run_id: str, kind: str, keys: Sequence[tuple[str, str]]) -> list[Any]:
        wanted = set(keys)
        return [item for item in self.item_store.get((run_id, kind), []) if item_key(item) in wanted]

    def drop_items(self, run_id: str, kinds: Sequence[str]) -> None:
        for kind in kinds:
            self.item_store.pop((run_id, kind), None)

    def prune_items(self, started_before: datetime) -> None:
        old = {run_id for run_id, run in self.runs.items() if run["started_at"] < started_before}
        self.item_store = {key: items for key, items in self.item_store.items() if key[0] not in old}

    def lead_history(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        wanted = set(keys)
        return [{"run_id": row.run_id, "run_kind": self.runs.get(row.run_id, {}).get("kind"), "kind": "write",
                 "system": row.correction.system, "record_id": row.correction.record_id, "field": row.correction.field,
                 "step": row.correction.step, "before": row.correction.before, "after": row.correction.after,
                 "stage_before": row.correction.stage_before, "stage_after": row.correction.stage_after,
                 "rule": row.correction.rule, "reason": row.correction.reason, "status": row.status, "code": row.code,
                 "message": None, "at": row.at, "definition_version": row.correction.definition_version}
                for row in self.audit if (row.correction.system, row.correction.record_id) in wanted]

    def clock_rows(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        rows = []
        for key in keys:
            entry = self.clocks.get(key)
            if entry is not None:
                rows.append({"system": key[0], "record_id": key[1], "stage": entry.stage, "state": entry.state.value,
                             "started_at": entry.started_at, "estimated": entry.started_estimated, "due_at": entry.due_at,
                             "breached_at": entry.breached_at, "owner_id": entry.owner_id,
                             "flagged_stage": self.flagged.get(key), "flagged_at": None, "cleared_at": None})
        return rows

    def correction_counts(self, since: datetime) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = {}
        for row in self.audit:
            if row.at is None or row.at >= since:
                key = (row.correction.rule, row.status)
                counts[key] = counts.get(key, 0) + 1
        return [(rule, status, n) for (rule, status), n in sorted(counts.items())]

    def clock_states(self) -> list[tuple[str, str | None, str]]:
        return [(e.stage, e.owner_id, e.state.value) for e in self.clocks.values()]

    def current_stages(self) -> list[tuple[str | None, datetime | None]]:
        return [(seen.stage, seen.at) for seen in self.observed.values()]

    def list_runs(self, limit: int) -> list[dict[str, Any]]:
        return [{"id": run_id, **run} for run_id, run in list(self.runs.items())[-limit:]][::-1]

    def owner_names(self, system: str, owner_ids: Sequence[str]) -> dict[str, CachedOwnerName]:
        return {i: self.owner_name_store[(system, i)] for i in owner_ids if (system, i) in self.owner_name_store}

    def save_owner_names(self, system: str, names: Mapping[str, str | None], fetched_at: datetime) -> None:
        for owner_id, name in names.items():  # cut to the SQL store's column, as it is
            self.owner_name_store[(system, owner_id)] = CachedOwnerName(name[:NAME_CHARS] if name else name, fetched_at)

    # --- the funnel's derived rows, counted by mapping.funnel_counts (what the SQL store does in SQL) -------------

    def save_funnel(self, page: FunnelPage) -> None:
        records, segments = self._funnel()
        earlier = {records[k].person for r in page.records if (k := (r.system, r.record_id)) in records
                   and records[k].person != r.person}
        replaced = {(s.view, s.key) for s in page.segments} | {(DEFINITION, person) for person in earlier}
        for key in replaced:
            segments.pop(key, None)
        for record in page.records:
            records[(record.system, record.record_id)] = record
        for segment in page.segments:
            segments.setdefault((segment.view, segment.key), []).append(segment)
        self._join_reasons(page.reasons)

    def _join_reasons(self, rows: Sequence[ReasonStay]) -> None:
        by_record: dict[tuple[str, str], list[ReasonStay]] = {}
        for row in rows:
            by_record.setdefault((row.system, row.record_id), []).append(row)
        for key, record_rows in by_record.items():
            history = self.funnel_reasons.setdefault(key, [])
            opened = next((i for i, r in enumerate(history) if r.until_s is None), None)
            changed, added = reason_changes(history[opened] if opened is not None else None, record_rows)
            if changed is not None and opened is not None:
                history[opened] = changed
            history += added

    def clear_funnel(self) -> None:
        self.funnel_records, self.funnel_segments, self.funnel_reasons = {}, {}, {}

    def funnel_versions(self) -> dict[str, int]:
        return dict(Counter(r.version for r in self._funnel()[0].values()))

    def funnel_as_of(self) -> datetime | None:
        latest = max((r.as_of_s for r in self._funnel()[0].values()), default=None)
        return None if latest is None else datetime.fromtimestamp(latest, UTC)

    def funnel_spans(self, grid: PeriodGrid, by: str) -> list[SpanCount]:
        return span_counts(self._segments(), grid.edges, by)

    def funnel_cohorts(self, grid: PeriodGrid, by: str) -> list[CohortCount]:
        return cohort_counts(self._segments(), grid.edges, by)

    def funnel_velocity(self, grid: PeriodGrid, by: str) -> list[VelocityCount]:
        return velocity_counts(self._segments(), grid.edges, by)

    def drift_reasons(self, grid: PeriodGrid) -> list[ReasonCount]:
        return reason_counts((r for history in self.funnel_reasons.values() for r in history), grid.edges)

    def sla_trend(self, grid: PeriodGrid) -> list[SlaCount]:
        ended = ((started, stage, owner, state) for (_, _, stage, started), (state, owner) in self.ended_clocks.items())
        current = ((e.started_at, e.stage, e.owner_id, e.state.value) for e in self.clocks.values())
        return sla_counts([*current, *ended], grid.edges)

    def _funnel(self) -> tuple[dict[tuple[str, str], RecordFacts], dict[tuple[str, str], list[Segment]]]:
        return self.funnel_records, self.funnel_segments

    def _segments(self) -> list[Segment]:
        return [s for stays in self._funnel()[1].values() for s in stays]

