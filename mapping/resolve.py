"""Resolve the true stage of a lead from both systems' evidence and the stage criteria (DESIGN §5).

1. Sales decides sales-owned stages: never promoted into them on marketing evidence.
2. Marketing-owned stages follow evidence, the definition judging it: the criteria may lift the CRM, and so may the
   MA system's stage, but only when the lead meets that stage's entry criteria (a claim it does not meet is a
   violation on the MA record, never propagated).
3. No silent regression: only an explicit move into a side stage goes backwards.
4. A side stage is left only on evidence dated after the move into it.
5. Converted leads are facts: at least the converted stage, never written.
Every resolution carries its rule and the evidence, so "why this stage?" always has an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mapping.definition.compiled import CompiledDefinition
from mapping.match import LeadPair
from mapping.records import CanonicalLead, ProblemKind


class Rule(StrEnum):
    IN_AGREEMENT = "in_agreement"
    CONVERTED = "converted_is_fact"
    SALES_DECIDES = "sales_decides"
    MARKETING_EVIDENCE = "marketing_evidence"
    NO_REGRESSION = "no_regression"
    SIDE_STAGE_HOLDS = "side_stage_holds"
    SIDE_STAGE_REENTRY = "side_stage_reentry"
    MARKETING_SIDE_MOVE = "marketing_side_move"
    UNMET_CLAIM = "unmet_ma_claim"  # the MA system claims a higher stage whose criteria the lead does not meet
    UNMAPPED = "unmapped_value"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact a decision rests on: which system or rule said which stage, and when."""

    source: str  # "salesforce", "hubspot", "criteria", "conversion", "engagement"
    stage: str | None
    at: datetime | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    stage: str | None
    rule: Rule
    evidence: tuple[Evidence, ...]
    criteria_stage: str | None
    fields: dict[str, Any]  # the merged canonical fields the criteria saw


def merged_fields(pair: LeadPair) -> dict[str, Any]:
    """Canonical fields of both records: the CRM's value where it has one, else the MA system's."""
    crm = pair.crm.fields if pair.crm else {}
    ma = pair.ma.fields if pair.ma else {}
    fields = dict(ma)
    fields.update({key: value for key, value in crm.items() if value is not None})
    fields["email_valid"] = bool(crm.get("email_valid")) or bool(ma.get("email_valid"))
    return fields


def criteria_stage(compiled: CompiledDefinition, fields: dict[str, Any]) -> str | None:
    """The highest marketing-owned ladder stage whose entry criteria hold."""
    for stage in reversed(compiled.marketing_ladder):
        if compiled.criteria[stage](fields):
            return stage
    return None


def resolve_pair(pair: LeadPair, compiled: CompiledDefinition) -> Resolution:
    fields = merged_fields(pair)
    by_criteria = criteria_stage(compiled, fields)
    context = _Context(compiled, pair, fields, by_criteria)
    primary = pair.crm or pair.ma
    if primary is None:
        return context.done(None, Rule.IN_AGREEMENT)
    if has_unmapped_stage(primary):
        return context.done(primary.stage, Rule.UNMAPPED, _said(primary))
    if pair.crm is None:
        return context.resolve_from(primary)
    if pair.crm.converted:
        stage = compiled.highest(pair.crm.stage, compiled.converted_stage) or compiled.converted_stage
        return context.done(stage, Rule.CONVERTED, Evidence("conversion", compiled.converted_stage,
                                                            pair.crm.fields.get("converted_at"), "converted in the CRM"))
    return context.resolve_from(pair.crm)


@dataclass
class _Context:
    compiled: CompiledDefinition
    pair: LeadPair
    fields: dict[str, Any]
    by_criteria: str | None

    def done(self, stage: str | None, rule: Rule, *evidence: Evidence) -> Resolution:
        criteria = (Evidence("criteria", self.by_criteria, None, "entry criteria hold"),) if self.by_criteria else ()
        return Resolution(stage, rule, (*evidence, *criteria), self.by_criteria, self.fields)

    def resolve_from(self, current: CanonicalLead) -> Resolution:
        """The true stage, starting from `current` (the CRM record, or the MA record of an MA-only lead)."""
        stage = current.stage
        if stage in self.compiled.side:
            return self._side(current)
        if stage is not None and not self.compiled.is_marketing(stage):
            rule = Rule.SALES_DECIDES if self._marketing_evidence(current) not in (None, stage) else Rule.IN_AGREEMENT
            return self.done(stage, rule, _said(current))
        moved = self._marketing_side_move(current)
        if moved is not None:
            return moved
        evidence = self._marketing_evidence(current)
        target = self.compiled.highest(stage, evidence)
        if target != stage:
            return self.done(target, Rule.MARKETING_EVIDENCE, _said(current), *self._ma_said(current))
        if evidence is not None and self.compiled.rank(evidence) < self.compiled.rank(stage):
            return self.done(stage, Rule.NO_REGRESSION, _said(current), *self._ma_said(current))
        if self._unmet_claim(current, stage):
            return self.done(stage, Rule.UNMET_CLAIM, _said(current), *self._ma_said(current))
        return self.done(stage, Rule.IN_AGREEMENT, _said(current))

    def _unmet_claim(self, current: CanonicalLead, stage: str | None) -> bool:
        other = self._other(current)
        claim = self.compiled.as_marketing(other.stage) if other is not None else None
        return claim is not None and self._met(claim) is None and self.compiled.highest(stage, claim) != stage

    def _other(self, current: CanonicalLead) -> CanonicalLead | None:
        ma = self.pair.ma
        return ma if ma is not None and ma is not current else None

    def _ma_said(self, current: CanonicalLead) -> tuple[Evidence, ...]:
        other = self._other(current)
        return (_said(other),) if other is not None and other.stage else ()

    def _marketing_evidence(self, current: CanonicalLead, after: datetime | None = None) -> str | None:
        """The highest marketing-owned stage the MA record or the criteria support (newer than `after`)."""
        other = self._other(current)
        from_ma = None
        if other is not None and (after is None or _newer(other.stage_entered_at, after)):
            from_ma = self._met(self.compiled.as_marketing(other.stage))
        from_criteria = self.by_criteria
        if after is not None and not _newer(self.fields.get("last_engagement_at"), after):
            from_criteria = None
        return self.compiled.highest(from_ma, from_criteria)

    def _met(self, claim: str | None) -> str | None:
        """An MA stage claim counts as evidence only when the lead meets that stage's entry criteria (rule 2)."""
        return claim if claim is not None and self.compiled.criteria[claim](self.fields) else None

    def _side(self, current: CanonicalLead) -> Resolution:
        moved_at = current.stage_entered_at
        newer = self._marketing_evidence(current, after=moved_at) if moved_at is not None else None
        if newer is None:
            return self.done(current.stage, Rule.SIDE_STAGE_HOLDS, _said(current))
        # Newer evidence opens the way back; once back on the ladder, all marketing evidence counts (rule 2),
        # so the lead lands where the next run would leave it.
        reenter = self.compiled.stage(current.stage or "").reenter_at
        target = self.compiled.highest(reenter, newer, self._marketing_evidence(current))
        detail = f"evidence after the move on {moved_at:%Y-%m-%d}" if moved_at else "newer evidence"
        engagement = self.fields.get("last_engagement_at")
        return self.done(target, Rule.SIDE_STAGE_REENTRY, _said(current), *self._ma_said(current),
                         Evidence("engagement", newer, engagement, detail))

    def _marketing_side_move(self, current: CanonicalLead) -> Resolution | None:
        """The MA system moved the lead into a marketing-owned side stage after the CRM's last stage change."""
        other = self._other(current)
        if other is None or other.stage not in self.compiled.side or not self.compiled.is_marketing(other.stage):
            return None
        if current.stage_entered_at is not None and not _newer(other.stage_entered_at, current.stage_entered_at):
            return None
        if current.stage_entered_at is None and other.stage_entered_at is None:
            return None
        return self.done(other.stage, Rule.MARKETING_SIDE_MOVE, _said(current), _said(other))


def has_unmapped_stage(lead: CanonicalLead) -> bool:
    return any(problem.kind is ProblemKind.UNMAPPED_STAGE for problem in lead.problems)


def _said(lead: CanonicalLead) -> Evidence:
    values = ", ".join(f"{k}={v}" for k, v in lead.stage_values.items() if v)
    return Evidence(lead.system, lead.stage, lead.stage_entered_at, values)


def _newer(when: Any, than: datetime) -> bool:
    return isinstance(when, datetime) and when > than
