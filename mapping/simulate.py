"""What records would look like after a plan is applied: for idempotence checks and definition-impact replays."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from mapping.definition.compiled import CompiledDefinition
from mapping.match import LeadPair
from mapping.plan import Correction
from mapping.records import CanonicalLead, StageEvent
from mapping.stage_reading import read_stage


def apply_to_lead(
    lead: CanonicalLead, corrections: Sequence[Correction], compiled: CompiledDefinition, at: datetime
) -> CanonicalLead:
    if not corrections:
        return lead
    values = dict(lead.stage_values)
    for correction in sorted(corrections, key=lambda c: c.step):
        values[correction.field] = correction.after
    view = compiled.systems[lead.system]
    stage = read_stage(view.mapping, compiled.ranks, values).stage
    if stage == lead.stage:
        return replace(lead, stage_values=values)
    history = (*lead.history, StageEvent(stage, at, "leadsync"))
    return replace(lead, stage_values=values, stage=stage, stage_entered_at=at, history=history)


def apply_to_pairs(
    pairs: Iterable[LeadPair], corrections: Iterable[Correction], compiled: CompiledDefinition, at: datetime
) -> list[LeadPair]:
    by_record: dict[tuple[str, str], list[Correction]] = defaultdict(list)
    for correction in corrections:
        by_record[(correction.system, correction.record_id)].append(correction)

    def updated(lead: CanonicalLead | None) -> CanonicalLead | None:
        return apply_to_lead(lead, by_record.get(lead.key, []), compiled, at) if lead else None

    return [LeadPair(updated(p.crm), updated(p.ma), p.link) for p in pairs]
