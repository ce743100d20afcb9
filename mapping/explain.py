"""One lead's story: its records, the evidence timeline, the decision and its SLA — "why is this lead here?".

Pure: the flows hand in the lead's decision (made by the same engine a sync uses), its SLA entry, the audit rows,
the stored SLA clock and the owners' names; this module orders them into a timeline and a stable JSON shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mapping.definition.compiled import CompiledDefinition
from mapping.match import DuplicateFinding
from mapping.plan import LeadDecision, explain_reason, reason_body
from mapping.records import CanonicalLead
from mapping.resolve import Rule
from mapping.sla import SlaEntry

KEY_FIELDS = ("email", "first_name", "last_name", "company", "score", "owner_id", "source", "created_at")


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime | None
    source: str  # "salesforce", "hubspot", "leadsync", "sla"
    what: str


@dataclass
class Story:
    identifier: str
    as_of: datetime
    definition_version: str
    records: list[dict[str, Any]]
    stage: str | None
    stage_label: str | None
    rule: str
    reason: str
    evidence: list[dict[str, Any]]
    planned: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    sla: dict[str, Any] | None
    duplicates: list[dict[str, Any]]
    locked: bool
    held: list[dict[str, Any]] = field(default_factory=list)  # records a revert holds from automatic correction
    timeline: list[Event] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape `leadsync explain --json` prints (instants as ISO 8601 UTC)."""
        return _jsonable_dict({
            "identifier": self.identifier, "as_of": self.as_of, "definition_version": self.definition_version,
            "records": self.records, "resolved": {"stage": self.stage, "label": self.stage_label, "rule": self.rule,
                                                  "reason": self.reason, "evidence": self.evidence},
            "planned_corrections": self.planned, "skipped": self.skipped, "violations": self.violations,
            "sla": self.sla, "duplicates": self.duplicates, "locked": self.locked, "held": self.held,
            "timeline": [{"at": e.at, "source": e.source, "what": e.what} for e in self.timeline],
        })


def tell(identifier: str, decision: LeadDecision, compiled: CompiledDefinition, as_of: datetime, *,
         sla: SlaEntry | None = None, audit: Sequence[Mapping[str, Any]] = (), clock: Mapping[str, Any] | None = None,
         duplicates: Sequence[DuplicateFinding] = (), owner_names: Mapping[str, str] | None = None,
         held: Sequence[Mapping[str, Any]] = ()) -> Story:
    """`owner_names` (owner id -> name) puts an `owner_name` beside each known `owner_id`; the ids stay."""
    pair, resolution = decision.pair, decision.resolution
    names = owner_names or {}
    records = [r for r in (pair.crm, pair.ma) if r is not None]
    label = compiled.stage(resolution.stage).label if resolution.stage else None
    story = Story(
        identifier=identifier, as_of=as_of, definition_version=compiled.version,
        records=[_record(r, compiled, names) for r in records], stage=resolution.stage, stage_label=label,
        rule=resolution.rule.value, reason=_reason(decision, compiled, audit),
        evidence=[{"source": e.source, "stage": e.stage, "at": e.at, "detail": e.detail} for e in resolution.evidence],
        planned=[{"system": c.system, "record_id": c.record_id, "field": c.field, "before": c.before, "after": c.after,
                  "step": c.step, "rule": c.rule} for c in decision.corrections],
        skipped=[{"system": s.system, "record_id": s.record_id, "reason": s.reason.value} for s in decision.skipped],
        violations=[v.as_dict() for v in decision.violations],
        sla=_sla(sla, clock, names),
        duplicates=[d.as_dict() for d in duplicates],
        locked=any(r.locked for r in records), held=[dict(h) for h in held])
    story.timeline = timeline(records, compiled, audit, sla, clock, as_of)
    return story


def tell_duplicate(identifier: str, finding: DuplicateFinding, leads: Sequence[CanonicalLead],
                   compiled: CompiledDefinition, as_of: datetime, *, audit: Sequence[Mapping[str, Any]] = (),
                   owner_names: Mapping[str, str] | None = None) -> Story:
    """A person several records of one system share: every record, the finding, and what the sync does (nothing)."""
    records = [lead for lead in leads
               if lead.record_id in (finding.record_ids if lead.system == finding.system else finding.other_ids)]
    count = len(finding.record_ids)
    reason = (f"{count} {finding.system} records share {finding.email}: a duplicate. Syncs report it and leave every "
              "record of this person alone (no correction, no SLA clock) until people merge them.")
    story = Story(
        identifier=identifier, as_of=as_of, definition_version=compiled.version,
        records=[_record(r, compiled, owner_names or {}) for r in records], stage=None, stage_label=None,
        rule="duplicate_left_alone", reason=reason, evidence=[], planned=[], skipped=[], violations=[], sla=None,
        duplicates=[finding.as_dict()],
        locked=any(r.locked for r in records))
    story.timeline = timeline(records, compiled, audit, None, None, as_of)
    return story


STAYS = {  # why a lead is left where it is, by rule, for the rules whose evidence alone would mislead
    Rule.NO_REGRESSION: "leadsync never moves a lead down the ladder",
    Rule.SALES_DECIDES: "Sales decides sales-owned stages",
    Rule.UNMET_CLAIM: "HubSpot claims a higher stage the lead does not meet (a violation on the HubSpot record)",
    Rule.SIDE_STAGE_HOLDS: "a side stage is left only on evidence dated after the move into it",
}


def _reason(decision: LeadDecision, compiled: CompiledDefinition, audit: Sequence[Mapping[str, Any]] = ()) -> str:
    """Why the lead is (or will be) at its stage: the correction's reason, or why it stays — the justification of
    leadsync's own earlier move kept (not "Salesforce says so", which would be circular), violations named."""
    primary = decision.pair.crm or decision.pair.ma
    if primary is None:
        return ""
    if decision.corrections:
        return explain_reason(primary, decision.resolution, compiled)
    label = compiled.stage(decision.resolution.stage).label if decision.resolution.stage else "no stage"
    parts = [reason_body(primary, decision.resolution, compiled)]
    ours = _our_move(primary, audit)
    if ours is not None:
        parts = [f"leadsync moved it here on {ours['at']:%Y-%m-%d} because {_because(str(ours.get('reason', '')))}"]
    if decision.resolution.rule in STAYS:
        parts.insert(0, STAYS[decision.resolution.rule])
    failing = [v for v in decision.violations if v.record_id == primary.record_id]
    parts += [f"it fails {compiled.stage(v.stage).label} ({'; '.join(v.failing)}), reported as a violation, "
              "not demoted" for v in failing]
    return f"Stays at {label}: " + "; ".join(parts) + f" (definition v{compiled.version})"


def _our_move(lead: CanonicalLead, audit: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """leadsync's applied write that set the record's current stage value, if the last stage change was ours."""
    current = {field: value for field, value in lead.stage_values.items() if value}
    for row in reversed(audit):
        if (row.get("system"), row.get("record_id")) != lead.key or row.get("kind") != "write":
            continue
        if row.get("status") == "applied" and row.get("field") in current and row.get("after") == current[row["field"]]:
            return row if isinstance(row.get("at"), datetime) else None
        if row.get("status") == "applied":
            return None
    return None


def _because(reason: str) -> str:
    """A reason as the audit log recorded it (a stored string), without its "Moved to X: " head and version tail."""
    body = reason.split(": ", 1)[1] if ": " in reason else reason
    return body.rsplit(" (definition v", 1)[0]


def timeline(records: Sequence[CanonicalLead], compiled: CompiledDefinition, audit: Sequence[Mapping[str, Any]],
             sla: SlaEntry | None, clock: Mapping[str, Any] | None, as_of: datetime) -> list[Event]:
    """Every dated fact, oldest first; facts after `as_of` are left out."""
    events: list[Event] = []
    for record in records:
        events += _record_events(record, compiled)
    events += [_audit_event(row) for row in audit]
    events += _sla_events(sla, clock, compiled)
    dated = [e for e in events if e.at is None or e.at <= as_of]
    return sorted(dated, key=lambda e: (e.at is None, e.at or as_of, e.source, e.what))


def _record(record: CanonicalLead, compiled: CompiledDefinition, owner_names: Mapping[str, str]) -> dict[str, Any]:
    return {"system": record.system, "record_id": record.record_id, "stage": record.stage,
            "stage_label": compiled.stage(record.stage).label if record.stage in compiled.ranks else None,
            "stage_values": dict(record.stage_values), "stage_entered_at": record.stage_entered_at,
            "fields": _key_fields(record, owner_names),
            "converted": record.converted, "locked": record.locked,
            "problems": [f"{p.kind.value}: {p.field}" for p in record.problems]}


def _key_fields(record: CanonicalLead, owner_names: Mapping[str, str]) -> dict[str, Any]:
    """The fields a reader checks first; a named owner gets `owner_name` right after `owner_id`."""
    fields: dict[str, Any] = {}
    for key in KEY_FIELDS:
        value = record.fields.get(key)
        if value is None:
            continue
        fields[key] = value
        if key == "owner_id" and isinstance(value, str) and value in owner_names:
            fields["owner_name"] = owner_names[value]
    return fields


def _record_events(record: CanonicalLead, compiled: CompiledDefinition) -> list[Event]:
    name = record.system.capitalize() if record.system != "hubspot" else "HubSpot"
    events = [Event(e.at, record.system, f"{name} {record.record_id} entered {_label(compiled, e.stage)} ({e.source})")
              for e in record.history]
    if record.stage_entered_at and not any(e.at == record.stage_entered_at for e in record.history):
        events.append(Event(record.stage_entered_at, record.system,
                            f"{name} {record.record_id} entered {_label(compiled, record.stage)}"))
    events += [Event(at, record.system, f"work logged on {name} {record.record_id}") for at in record.work]
    created = record.fields.get("created_at")
    if isinstance(created, datetime):
        events.append(Event(created, record.system, f"{name} {record.record_id} created"))
    engaged = record.fields.get("last_engagement_at")
    if isinstance(engaged, datetime):
        events.append(Event(engaged, record.system, "last engagement (form, email, visit)"))
    return events


def _audit_event(row: Mapping[str, Any]) -> Event:
    arrow = f"{row.get('field')}: {row.get('before')!r} → {row.get('after')!r}"
    status = row.get("status")
    what = {"applied": "leadsync wrote", "planned": "leadsync planned (dry run)", "failed": "leadsync write refused",
            "stale": "leadsync left a user's edit", "held": "leadsync found already in place",
            "reverted": "leadsync write reverted", "pending": "leadsync write pending",
            "blocked": "leadsync held back by the blast-radius guard:", "skipped": "leadsync did not write",
            "abandoned": "leadsync write abandoned (crash before sending)"}.get(str(status), f"leadsync {status}")
    if row.get("kind") == "skip":
        return Event(row.get("at"), "leadsync", f"leadsync skipped {row.get('system')} {row.get('record_id')}: "
                                                f"{str(row.get('rule', '')).removeprefix('skip:')}")
    code = f" [{row.get('code')}]" if row.get("code") and status != "applied" else ""
    return Event(row.get("at"), "leadsync", f"{what} {row.get('system')} {arrow} ({row.get('rule')}){code}")


def _sla_events(sla: SlaEntry | None, clock: Mapping[str, Any] | None, compiled: CompiledDefinition) -> list[Event]:
    events: list[Event] = []
    if sla is not None:
        label = _label(compiled, sla.stage)
        estimated = " (estimated: first observed)" if sla.started_estimated else ""
        events.append(Event(sla.started_at, "sla", f"SLA clock started for {label}{estimated}"))
        events.append(Event(sla.at_risk_at, "sla", f"SLA at risk ({label})"))
        events.append(Event(sla.due_at, "sla", f"SLA due ({label})"))
        if sla.worked_at:
            events.append(Event(sla.worked_at, "sla", "worked: SLA clock stopped"))
        if sla.breached_at:
            events.append(Event(sla.breached_at, "sla", f"SLA breached ({label})"))
    if clock:
        if clock.get("flagged_at"):
            events.append(Event(clock["flagged_at"], "leadsync", f"leadsync flagged the breach ({clock.get('flagged_stage')})"))
        if clock.get("cleared_at"):
            events.append(Event(clock["cleared_at"], "leadsync", "leadsync cleared the SLA flag (worked)"))
    return events


def _sla(sla: SlaEntry | None, clock: Mapping[str, Any] | None, owner_names: Mapping[str, str]) -> dict[str, Any] | None:
    if sla is None:
        return None
    found = {"stage": sla.stage, "state": sla.state.value, "started_at": sla.started_at,
             "started_estimated": sla.started_estimated, "at_risk_at": sla.at_risk_at, "due_at": sla.due_at,
             "breached_at": sla.breached_at, "worked_at": sla.worked_at, "owner_id": sla.owner_id,
             "owner_name": owner_names.get(sla.owner_id) if sla.owner_id else None}
    if clock:
        found |= {"flagged_at": clock.get("flagged_at"), "cleared_at": clock.get("cleared_at")}
    return found


def _label(compiled: CompiledDefinition, stage: str | None) -> str:
    if stage is None:
        return "an unmapped value"
    return compiled.stage(stage).label if stage in compiled.ranks else stage


def _jsonable_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _jsonable(v) for k, v in value.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return _jsonable_dict(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
