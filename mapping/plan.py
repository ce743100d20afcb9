"""From resolutions to the writes that would make each system say the true stage, with before/after and reason.

Pure and deterministic: the same pairs, definition and `as_of` give the same plan. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mapping.criteria import conditions_failing, conditions_held
from mapping.definition.compiled import CompiledDefinition, SystemView
from mapping.match import LeadPair
from mapping.records import CanonicalLead
from mapping.resolve import Resolution, Rule, has_unmapped_stage, resolve_pair
from mapping.sla import Observed, SlaEntry, SlaEvaluator
from mapping.stage_reading import read_stage

REASON_LIMIT = 255  # fits a Salesforce text field
FORWARD_ONLY_FIELDS = ("lifecyclestage",)  # HubSpot refuses to move these backwards in one write


class SkipReason(StrEnum):
    LOCKED = "locked"
    CONVERTED = "converted"
    UNMAPPED = "unmapped_value"
    NO_WRITE_VALUE = "no_write_value"
    UNWRITABLE = "unwritable"
    LOOP = "loop_guard"
    NO_REGRESSION = "no_regression"
    REVERTED = "reverted_hold"  # a revert put the record back: held until the definition changes or a release


@dataclass(frozen=True, slots=True)
class Correction:
    """One field write. `step` 1 then 2 must go in separate requests (clear, then set); 0 is a plain write."""

    system: str
    record_id: str
    field: str
    before: str | None
    after: str | None  # None clears the field
    stage_before: str | None
    stage_after: str
    rule: str
    reason: str
    definition_version: str
    step: int = 0
    # Annotation fields (field, value) written in the same record payload as this step: shown to CRM users,
    # never verified or counted as corrections. Only the final step of a record carries them.
    extras: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    system: str
    record_id: str
    stage_before: str | None
    stage_after: str | None
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Violation:
    """A lead that fails its stage's entry criteria: reported for people, never silently demoted."""

    system: str
    record_id: str
    stage: str
    failing: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The finding as the plan, the run's findings and a lead's story show it (JSON-ready)."""
        return {"system": self.system, "record_id": self.record_id, "stage": self.stage, "failing": list(self.failing)}


@dataclass(frozen=True, slots=True)
class LeadDecision:
    pair: LeadPair
    resolution: Resolution
    corrections: tuple[Correction, ...]
    skipped: tuple[Skipped, ...]
    violations: tuple[Violation, ...]  # the lead's decided stage; an MA stage claim the lead does not meet


@dataclass(frozen=True, slots=True)
class Decided:
    """One lead's verdict, also when nothing changes: a reader can tell "in agreement" from "never read"."""

    system: str  # the lead's primary record (the CRM's, else the MA's)
    record_id: str
    partner: tuple[str, str] | None  # the other system's record, when the lead has one
    stage: str | None
    rule: str
    sources: tuple[str, ...]  # where the evidence came from: salesforce, hubspot, criteria, conversion, engagement


@dataclass
class Plan:
    definition_version: str
    as_of: datetime
    corrections: list[Correction] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    sla: list[SlaEntry] = field(default_factory=list)
    resolved: dict[tuple[str, str], str | None] = field(default_factory=dict)  # lead (its primary record) -> stage
    decisions: list[Decided] = field(default_factory=list)

    def add(self, decision: LeadDecision) -> None:
        pair, resolution = decision.pair, decision.resolution
        primary = pair.crm or pair.ma
        if primary is not None:
            self.resolved[primary.key] = resolution.stage
            partner = pair.ma if primary is pair.crm else None
            self.decisions.append(Decided(primary.system, primary.record_id, partner.key if partner else None,
                                          resolution.stage, resolution.rule.value,
                                          tuple(dict.fromkeys(e.source for e in resolution.evidence))))
        self.corrections.extend(decision.corrections)
        self.skipped.extend(decision.skipped)
        self.violations.extend(decision.violations)


def default_forward_only(compiled: CompiledDefinition) -> dict[str, tuple[str, ...]]:
    """HubSpot's forward-only fields, ordered as the read map lists them (the live order replaces this)."""
    view = compiled.systems.get("hubspot")
    if view is None:
        return {}
    return {f.field: tuple(f.read) for f in view.mapping.stage_fields if f.field in FORWARD_ONLY_FIELDS}


def plan_pairs(
    pairs: Iterable[LeadPair],
    compiled: CompiledDefinition,
    as_of: datetime,
    forward_only: Mapping[str, Sequence[str]] | None = None,
    sla: SlaEvaluator | None = None,
    first_observed: Mapping[tuple[str, str], Observed] | None = None,
) -> Plan:
    """Resolve and plan every pair; with an `sla` evaluator, also the SLA clock of each lead as of `as_of`.

    Corrections carry the configured annotation fields; the SLA due field only with an `sla` evaluator.
    """
    order = default_forward_only(compiled) if forward_only is None else forward_only
    observed = first_observed or {}
    plan = Plan(compiled.version, as_of)
    for pair in pairs:
        decision = decide(pair, compiled, order)
        record = pair.crm or pair.ma
        entry: SlaEntry | None = None
        if sla is not None and record is not None:
            entry = sla.evaluate(pair, decision.resolution, as_of, observed.get(record.key))
            if entry is not None:
                plan.sla.append(entry)
        plan.add(annotate(decision, compiled, entry, due_known=sla is not None))
    return plan


def annotate(decision: LeadDecision, compiled: CompiledDefinition, entry: SlaEntry | None,
             due_known: bool = True) -> LeadDecision:
    """The decision with each record's final write step carrying its system's annotation fields.

    `entry` is the lead's SLA clock in its new stage; None (with `due_known`) clears the due field, so a due
    time from an earlier stage does not linger.
    """
    if not decision.corrections:
        return decision
    final: dict[tuple[str, str], int] = {}
    for correction in decision.corrections:
        key = (correction.system, correction.record_id)
        final[key] = max(final.get(key, 0), correction.step)
    extras: dict[tuple[str, str], tuple[tuple[str, str | None], ...]] = {}
    annotated: list[Correction] = []
    for correction in decision.corrections:
        key = (correction.system, correction.record_id)
        if correction.step != final[key]:
            annotated.append(correction)
            continue
        if key not in extras:
            extras[key] = annotation_extras(compiled.systems[correction.system], correction.reason, entry, due_known)
        annotated.append(replace(correction, extras=extras[key]) if extras[key] else correction)
    return replace(decision, corrections=tuple(annotated))


def annotation_extras(view: SystemView, reason: str, entry: SlaEntry | None,
                      due_known: bool = True) -> tuple[tuple[str, str | None], ...]:
    """(field, value) pairs of the system's configured annotations: the reason and the SLA due instant."""
    annotations = view.mapping.annotations
    if annotations is None:
        return ()
    extras: list[tuple[str, str | None]] = []
    if annotations.reason:
        extras.append((annotations.reason, reason[:REASON_LIMIT]))
    if annotations.sla_due and due_known:
        extras.append((annotations.sla_due, instant_text(view.name, entry.due_at) if entry else None))
    return tuple(extras)


def instant_text(system: str, instant: datetime) -> str:
    """A UTC instant as the system's datetime fields take it (Salesforce: `…000+0000`; HubSpot: `…000Z`)."""
    utc = instant.astimezone(UTC)
    suffix = "+0000" if system == "salesforce" else "Z"
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}{suffix}"


def decide(pair: LeadPair, compiled: CompiledDefinition, forward_only: Mapping[str, Sequence[str]]) -> LeadDecision:
    """Resolve one lead and plan its writes in each system that accepts them."""
    resolution = resolve_pair(pair, compiled)
    corrections: list[Correction] = []
    skipped: list[Skipped] = []
    for record in (pair.crm, pair.ma):
        if record is None or resolution.stage is None or record.stage == resolution.stage:
            continue
        view = compiled.systems[record.system]
        if not view.mapping.writes_enabled:
            continue
        outcome = _record_writes(record, resolution, compiled, view, forward_only)
        if isinstance(outcome, SkipReason):
            skipped.append(Skipped(record.system, record.record_id, record.stage, resolution.stage, outcome))
        else:
            corrections.extend(outcome)
    return LeadDecision(pair, resolution, tuple(corrections), tuple(skipped), _violations(pair, resolution, compiled))


def _record_writes(
    record: CanonicalLead,
    resolution: Resolution,
    compiled: CompiledDefinition,
    view: SystemView,
    forward_only: Mapping[str, Sequence[str]],
) -> list[Correction] | SkipReason:
    target = resolution.stage or ""
    blocked = _blocked(record, resolution, compiled)
    if blocked is not None:
        return blocked
    writes = stage_writes(view, compiled, target, record.stage_values)
    if writes is None:
        return SkipReason.UNWRITABLE if view.mapping.write_values(target) else SkipReason.NO_WRITE_VALUE
    reason = explain_reason(record, resolution, compiled)
    made: list[Correction] = []
    for raw_field, value in writes.items():
        before = record.stage_values.get(raw_field)
        base = Correction(record.system, record.record_id, raw_field, before, value, record.stage, target,
                          resolution.rule.value, reason, compiled.version)
        if value is not None and _backwards(forward_only.get(raw_field), before, value):
            made += [replace(base, after=None, step=1), replace(base, step=2)]
        else:
            made.append(base)
    return made


def _blocked(record: CanonicalLead, resolution: Resolution, compiled: CompiledDefinition) -> SkipReason | None:
    if has_unmapped_stage(record) or resolution.rule is Rule.UNMAPPED:
        return SkipReason.UNMAPPED
    if record.system == "salesforce" and record.converted:
        return SkipReason.CONVERTED
    if record.locked:
        return SkipReason.LOCKED
    target = resolution.stage
    if (record.stage not in compiled.side and target not in compiled.side and record.stage is not None
            and compiled.rank(target) < compiled.rank(record.stage)):
        return SkipReason.NO_REGRESSION
    return None


def _backwards(order: Sequence[str] | None, before: str | None, after: str) -> bool:
    if not order or before is None or before not in order or after not in order:
        return False
    return order.index(after) < order.index(before)


def stage_writes(
    view: SystemView, compiled: CompiledDefinition, target: str, current: Mapping[str, str | None]
) -> dict[str, str | None] | None:
    """The field values to write so the record reads as `target` (clearing a field that would outvote it).

    Only fields that change are returned; None means the stage cannot be expressed in this system.
    """
    wanted = view.mapping.write_values(target)
    if wanted is None:
        return None
    values: dict[str, str | None] = {**current, **wanted}
    writes: dict[str, str | None] = dict(wanted)
    for raw_field in view.stage_fields:
        if read_stage(view.mapping, compiled.ranks, values).stage == target:
            break
        if raw_field not in wanted and values.get(raw_field) is not None:
            values[raw_field] = None
            writes[raw_field] = None
    if read_stage(view.mapping, compiled.ranks, values).stage != target:
        return None
    return {name: value for name, value in writes.items() if current.get(name) != value}


def explain_reason(record: CanonicalLead, resolution: Resolution, compiled: CompiledDefinition) -> str:
    """A short sentence for CRM users: what moved the lead and on which evidence."""
    label = compiled.stage(resolution.stage).label if resolution.stage else "no stage"
    text = f"Moved to {label}: {reason_body(record, resolution, compiled)} (definition v{compiled.version})"
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def reason_body(record: CanonicalLead, resolution: Resolution, compiled: CompiledDefinition) -> str:
    """The evidence part of a reason: what the other system and the criteria say (the record's own system left out)."""
    facts: list[str] = []
    for evidence in resolution.evidence:
        if evidence.source == record.system or evidence.stage is None:
            continue
        if evidence.source == "criteria":
            held = conditions_held(compiled.stage(evidence.stage).criteria, resolution.fields)
            if held and evidence.stage == resolution.stage:
                facts.append(" and ".join(held))
            elif held:  # the criteria back a lower stage: never presented as the reason for this one
                facts.append(f"the entry criteria support only {compiled.stage(evidence.stage).label} ({' and '.join(held)})")
            continue
        when = f" since {evidence.at:%Y-%m-%d}" if evidence.at else ""
        facts.append(f"{_source_name(evidence.source)} says {compiled.stage(evidence.stage).label}{when}")
    return "; ".join(facts) or resolution.rule.value.replace("_", " ")


def _source_name(source: str) -> str:
    return {"salesforce": "Salesforce", "hubspot": "HubSpot", "engagement": "new engagement",
            "conversion": "conversion"}.get(source, source)


def _violations(pair: LeadPair, resolution: Resolution, compiled: CompiledDefinition) -> tuple[Violation, ...]:
    """The primary record against the decided stage; the MA record against a higher stage it claims (rule 2: such
    a claim is reported where it was made, not written into the CRM)."""
    found = []
    record = pair.crm or pair.ma
    if record is not None and resolution.stage is not None:
        found.append(_failing(record, resolution.stage, resolution, compiled))
    ma = pair.ma
    if ma is not None and ma is not record and ma.stage and _claims_more(ma.stage, resolution.stage, compiled):
        implied = compiled.as_marketing(ma.stage)  # a sales-owned claim implies the marketing stage below it
        claimed = (ma.stage,) if implied in (None, ma.stage) else (ma.stage, implied)
        found.append(next(filter(None, (_failing(ma, stage, resolution, compiled) for stage in claimed)), None))
    return tuple(v for v in found if v is not None)


def _claims_more(claim: str | None, decided: str | None, compiled: CompiledDefinition) -> bool:
    if claim is None or claim in compiled.side or claim == decided:
        return False
    return decided is None or decided in compiled.side or compiled.rank(claim) > compiled.rank(decided)


def _failing(record: CanonicalLead, stage: str, resolution: Resolution, compiled: CompiledDefinition) -> Violation | None:
    if compiled.criteria[stage](resolution.fields):
        return None
    failing = conditions_failing(compiled.stage(stage).criteria, resolution.fields)
    return Violation(record.system, record.record_id, stage, tuple(failing))
