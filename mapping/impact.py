"""What adopting a new definition would change, person by person: the pure comparison behind `definitions impact`.

The flows replay the same leads through both definitions and hand each replay here; this module compares them:
a transition matrix of resolved stages in funnel order, stage keys that were only renamed, corrections per system,
SLA states that flip, new definition violations, and the stage values provisioning would have to create.

Every outcome is told about one *person*, under one id: the primary record's id as the sync uses it — the
Salesforce lead's 18-character id when the person has a lead, else the HubSpot contact's id. Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mapping.convert import salesforce_id18
from mapping.definition.compiled import CompiledDefinition
from mapping.definition.models import Stage
from mapping.match import LeadPair
from mapping.plan import Plan

Key = tuple[str, str]
CRM, MA = "salesforce", "hubspot"
BREACHED = "breached"
NONE = "(none)"  # the definition places the lead on no stage (unmapped or empty stage values)
NOT_SEEN = "(not seen)"  # the other definition's replay does not hold this person
CHANGES = ("stage", "corrections", "sla", "violation")  # what can differ for a person, in this order


@dataclass(frozen=True, slots=True)
class LeadOutcome:
    """One lead under one definition: resolved stage, writes per system, SLA state, violation."""

    stage: str | None
    corrections: tuple[str, ...] = ()  # systems that would be written
    sla_state: str | None = None
    violation: bool = False


@dataclass
class Replayed:
    """One definition's replay: an outcome per lead (keyed by its primary record) and how records link to people."""

    outcomes: dict[Key, LeadOutcome] = field(default_factory=dict)
    links: dict[Key, Key] = field(default_factory=dict)  # a HubSpot record -> the Salesforce lead of its person

    def add(self, plan: Plan, pairs: Iterable[LeadPair]) -> None:
        """Take one planned batch: its outcomes, its pairs, and the Salesforce ids its HubSpot records carry."""
        self.take(replayed_page(plan, pairs))

    def take(self, page: ReplayedPage) -> None:
        for record, lead in page.carried.items():
            self.links.setdefault(record, lead)
        self.links.update(page.partners)
        self.outcomes.update(page.outcomes)


@dataclass(frozen=True)
class ReplayedPage:
    """What one planned batch adds to a replay (small: it travels between processes)."""

    outcomes: dict[Key, LeadOutcome]  # by the lead's primary record
    partners: dict[Key, Key]  # a HubSpot record -> the Salesforce lead it was paired with
    carried: dict[Key, Key]  # a HubSpot record -> the Salesforce lead its own link field names

    def without(self, leads: set[Key], records: set[Key]) -> ReplayedPage:
        """The page less the outcomes of `leads` and the pairings of HubSpot `records`."""
        return ReplayedPage({k: v for k, v in self.outcomes.items() if k not in leads},
                            {k: v for k, v in self.partners.items() if k not in records}, self.carried)


def replayed_page(plan: Plan, pairs: Iterable[LeadPair]) -> ReplayedPage:
    pairs = list(pairs)
    carried = {pair.ma.key: (CRM, str(linked)) for pair in pairs
               if pair.ma is not None and (linked := pair.ma.fields.get("crm_lead_id"))}
    partners = {p.ma.key: p.crm.key for p in pairs if p.ma is not None and p.crm is not None}
    return ReplayedPage(plan_outcomes(plan, partners), partners, carried)


def plan_outcomes(plan: Plan, partners: Mapping[Key, Key]) -> dict[Key, LeadOutcome]:
    """An outcome per lead; writes, SLA clocks and violations of its partner record (the other system) count for it."""
    by_lead: dict[Key, set[str]] = {}
    for correction in plan.corrections:
        record = (correction.system, correction.record_id)
        by_lead.setdefault(partners.get(record, record), set()).add(correction.system)
    sla: dict[Key, str] = {}
    for entry in plan.sla:
        sla.setdefault(partners.get((entry.system, entry.record_id), (entry.system, entry.record_id)), entry.state.value)
    violations = {partners.get((v.system, v.record_id), (v.system, v.record_id)) for v in plan.violations}
    return {key: LeadOutcome(stage, tuple(sorted(by_lead.get(key, set()))), sla.get(key), key in violations)
            for key, stage in plan.resolved.items()}


# --- one id per person ----------------------------------------------------------------------------------


def _canonical(key: Key) -> Key:
    return (CRM, salesforce_id18(key[1])) if key[0] == CRM else key


def people(old: Replayed, new: Replayed) -> tuple[dict[Key, LeadOutcome], dict[Key, LeadOutcome]]:
    """Both replays keyed by person: a HubSpot record linked (in either replay) to a known Salesforce lead counts
    for that lead, and every Salesforce id is in its 18-character form."""
    leads = {_canonical(k) for replayed in (old, new) for k in replayed.outcomes if k[0] == CRM}
    links = {_canonical(record): _canonical(lead) for replayed in (new, old)
             for record, lead in replayed.links.items()}
    person = {record: lead for record, lead in links.items() if lead in leads}
    return _by_person(old.outcomes, person), _by_person(new.outcomes, person)


def _by_person(outcomes: Mapping[Key, LeadOutcome], person: Mapping[Key, Key]) -> dict[Key, LeadOutcome]:
    found: dict[Key, LeadOutcome] = {}
    for key in sorted(outcomes, key=lambda k: (k[0] != CRM, k)):  # the lead's own outcome first
        canonical = _canonical(key)
        who = person.get(canonical, canonical)
        found[who] = _merge(found[who], outcomes[key]) if who in found else outcomes[key]
    return found


def _merge(lead: LeadOutcome, partner: LeadOutcome) -> LeadOutcome:
    """A person replayed as two leads (not paired in this replay): the Salesforce lead's stage, everything written."""
    return LeadOutcome(lead.stage if lead.stage is not None else partner.stage,
                       tuple(sorted({*lead.corrections, *partner.corrections})),
                       lead.sla_state or partner.sla_state, lead.violation or partner.violation)


# --- funnel order and renames ---------------------------------------------------------------------------


def funnel_order(compiled: CompiledDefinition) -> tuple[str, ...]:
    """The definition's stage order: the ladder by rank, then the side stages as listed, then `(none)`."""
    side = tuple(stage.key for stage in compiled.definition.stages if stage.side)
    return (*compiled.ladder, *side, NONE)


def stage_renames(old: CompiledDefinition, new: CompiledDefinition) -> dict[str, str]:
    """Stage keys that changed while the stage's meaning did not: old key -> new key.

    A stage of `old` whose key `new` lacks is renamed to a stage of `new` whose key `old` lacks when both sit at
    the same position (the same place on the ladder in rank order, or the same place among the side stages),
    have the same owner, the same entry criteria, read the same raw values and write the same values in every
    system, and are (or are not) the converted stage; side stages also re-enter at and come from the same
    stages (through the ladder's renames). Then every lead at the old key is at the new key: nothing written
    changes. Anything else is a real stage change. The label, the wording and the SLA are not the stage's
    meaning here: a changed SLA shows per lead, as SLA states that flip.
    """
    removed = [s for s in old.definition.stages if s.key not in new.ranks]
    added = {_position(new, s): s for s in new.definition.stages if s.key not in old.ranks}
    renames: dict[str, str] = {}
    for side in (False, True):  # the ladder first: side stages refer to ladder stages
        for stage in (s for s in removed if s.side == side):
            match = added.get(_position(old, stage))
            if match is not None and _meaning(old, stage, renames) == _meaning(new, match, {}):
                renames[stage.key] = match.key
    return renames


def _position(compiled: CompiledDefinition, stage: Stage) -> tuple[bool, int]:
    if stage.side:
        return True, [s.key for s in compiled.definition.stages if s.side].index(stage.key)
    return False, compiled.ladder.index(stage.key)


def _meaning(compiled: CompiledDefinition, stage: Stage, renames: Mapping[str, str]) -> tuple[Any, ...]:
    """What a stage means, its key aside (`renames` translates the stages it refers to)."""
    mapped = tuple(sorted((system, _values(compiled, system, stage.key)) for system in compiled.systems))
    return (stage.owner, stage.criteria, mapped, stage.key == compiled.converted_stage,
            renames.get(stage.reenter_at or "", stage.reenter_at), sorted(renames.get(s, s) for s in stage.allowed_from))


def _values(compiled: CompiledDefinition, system: str, key: str) -> tuple[Any, ...]:
    mapping = compiled.systems[system].mapping
    read = sorted((f.field, raw) for f in mapping.stage_fields for raw, stage in f.read.items() if stage == key)
    return tuple(read), tuple(sorted((mapping.write_values(key) or {}).items()))


# --- the comparison -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadChange:
    """One person whose outcome differs between the definitions, or whose stage key was only renamed."""

    person: Key
    before: LeadOutcome | None
    after: LeadOutcome | None
    changes: tuple[str, ...]  # of CHANGES; empty when only the stage key was renamed
    renamed: bool

    @property
    def stages(self) -> tuple[str, str]:
        return _stage(self.before), _stage(self.after)

    def as_dict(self) -> dict[str, Any]:
        """Fixed keys, whatever changed."""
        before, after = self.before or LeadOutcome(None), self.after or LeadOutcome(None)
        return {"id": self.person[1], "system": self.person[0], "current_stage": self.stages[0],
                "proposed_stage": self.stages[1], "renamed": self.renamed, "changes": list(self.changes),
                "written_current": list(before.corrections), "written_proposed": list(after.corrections),
                "sla_current": before.sla_state, "sla_proposed": after.sla_state,
                "violation_current": before.violation, "violation_proposed": after.violation}


@dataclass
class Impact:
    old_version: str
    new_version: str
    old_order: tuple[str, ...] = ()  # the current definition's funnel order (`funnel_order`)
    new_order: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)  # old stage key -> new key, same meaning
    leads: int = 0
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old stage, new stage) -> leads
    corrections_old: Counter[str] = field(default_factory=Counter)  # system -> leads written under the old
    corrections_new: Counter[str] = field(default_factory=Counter)
    lead_changes: list[LeadChange] = field(default_factory=list)  # in matrix order, then by id
    changed: list[Key] = field(default_factory=list)  # people whose stage, writes, SLA state or violation differ
    stage_changed: list[Key] = field(default_factory=list)  # renames excluded
    renamed: list[Key] = field(default_factory=list)  # people at a renamed stage key
    newly_breached: list[Key] = field(default_factory=list)
    no_longer_breached: list[Key] = field(default_factory=list)
    new_violations: list[Key] = field(default_factory=list)
    resolved_violations: list[Key] = field(default_factory=list)
    only_old: int = 0  # people one definition sees and the other does not (e.g. a mapping dropped a value)
    only_new: int = 0
    values_to_create: dict[str, list[str]] = field(default_factory=dict)  # system -> write values to provision

    def order(self, old_stage: str, new_stage: str) -> tuple[int, int]:
        """Where a transition sits in funnel order: current stage first, then proposed."""
        return _index(self.old_order, old_stage), _index(self.new_order, new_stage)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape for tools. Fixed keys; lists in a fixed order, complete (never sampled):

        - `stage_order`: each definition's funnel order (ladder by rank, side stages, `(none)`);
        - `transition_matrix`: `{from, to, leads, renamed}` by the current stage's then the proposed stage's
          place in that order (`(not seen)` last);
        - `renames`: `{from, to, leads, changed_otherwise}` per renamed stage key, in the current funnel order;
        - each lead list (`leads_changed`, `stage_changed`, `renamed`, `newly_breached`, …) is `{count, ids}`, and
          `affected_leads` has every changed lead with the keys of `LeadChange.as_dict`; all in matrix order,
          then by id. An id is the person's primary record: the Salesforce lead (18 characters), else HubSpot.
        """
        def ids(keys: list[Key]) -> dict[str, Any]:
            return {"count": len(keys), "ids": [record_id for _, record_id in keys]}

        return {
            "old_version": self.old_version, "new_version": self.new_version, "leads": self.leads,
            "stage_order": {"current": list(self.old_order), "proposed": list(self.new_order)},
            "transition_matrix": [{"from": a, "to": b, "leads": n, "renamed": self.renames.get(a) == b}
                                  for (a, b), n in sorted(self.matrix.items(), key=lambda item: (*self.order(*item[0]), item[0]))],
            "renames": self._renames(),
            "corrections": {s: {"old": self.corrections_old[s], "new": self.corrections_new[s]}
                            for s in sorted(set(self.corrections_old) | set(self.corrections_new))},
            "leads_changed": ids(self.changed), "stage_changed": ids(self.stage_changed),
            "renamed": ids(self.renamed),
            "newly_breached": ids(self.newly_breached), "no_longer_breached": ids(self.no_longer_breached),
            "new_violations": ids(self.new_violations), "resolved_violations": ids(self.resolved_violations),
            "affected_leads": [change.as_dict() for change in self.lead_changes if change.changes],
            "only_under_old": self.only_old, "only_under_new": self.only_new,
            "values_to_create": {s: v for s, v in sorted(self.values_to_create.items())},
        }

    def _renames(self) -> list[dict[str, Any]]:
        found = [{"from": a, "to": b, "leads": self.matrix[(a, b)],
                  "changed_otherwise": sum(1 for c in self.lead_changes if c.renamed and c.changes
                                           and c.stages == (a, b))}
                 for a, b in self.renames.items() if self.matrix[(a, b)]]
        return sorted(found, key=lambda r: _index(self.old_order, r["from"]))


def compare(old: Replayed, new: Replayed, old_definition: CompiledDefinition, new_definition: CompiledDefinition,
            values_to_create: Mapping[str, list[str]] | None = None) -> Impact:
    """Compare two replays of the same records, person by person."""
    before_all, after_all = people(old, new)
    impact = Impact(old_definition.version, new_definition.version, funnel_order(old_definition),
                    funnel_order(new_definition), stage_renames(old_definition, new_definition),
                    values_to_create=dict(values_to_create or {}))
    impact.only_old = len(set(before_all) - set(after_all))
    impact.only_new = len(set(after_all) - set(before_all))
    for person in sorted(set(before_all) | set(after_all),
                         key=lambda p: (*impact.order(_stage(before_all.get(p)), _stage(after_all.get(p))), p)):
        _add(impact, person, before_all.get(person), after_all.get(person))
    return impact


def _add(impact: Impact, person: Key, before: LeadOutcome | None, after: LeadOutcome | None) -> None:
    stages = (_stage(before), _stage(after))
    impact.leads += 1
    impact.matrix[stages] += 1
    impact.corrections_old.update(before.corrections if before else ())
    impact.corrections_new.update(after.corrections if after else ())
    renamed = impact.renames.get(stages[0]) == stages[1]
    changes = lead_changes(before, after, renamed)
    if changes or renamed:
        impact.lead_changes.append(LeadChange(person, before, after, changes, renamed))
    if changes:
        impact.changed.append(person)
    if "stage" in changes:
        impact.stage_changed.append(person)
    if renamed:
        impact.renamed.append(person)
    _flips(impact, person, before, after)


def lead_changes(before: LeadOutcome | None, after: LeadOutcome | None, renamed: bool = False) -> tuple[str, ...]:
    """What differs for one person (of CHANGES); a renamed stage key is not a stage change."""
    was, now = before or LeadOutcome(None), after or LeadOutcome(None)
    differs = {
        "stage": (before is None) != (after is None) or (was.stage != now.stage and not renamed),
        "corrections": was.corrections != now.corrections,
        "sla": was.sla_state != now.sla_state,
        "violation": was.violation != now.violation,
    }
    return tuple(change for change in CHANGES if differs[change])


def _flips(impact: Impact, key: Key, before: LeadOutcome | None, after: LeadOutcome | None) -> None:
    was_breached = before is not None and before.sla_state == BREACHED
    is_breached = after is not None and after.sla_state == BREACHED
    if is_breached and not was_breached:
        impact.newly_breached.append(key)
    if was_breached and not is_breached:
        impact.no_longer_breached.append(key)
    was_violation, is_violation = bool(before and before.violation), bool(after and after.violation)
    if is_violation and not was_violation:
        impact.new_violations.append(key)
    if was_violation and not is_violation:
        impact.resolved_violations.append(key)


def _stage(outcome: LeadOutcome | None) -> str:
    if outcome is None:
        return NOT_SEEN
    return outcome.stage or NONE


def _index(order: tuple[str, ...], stage: str) -> int:
    """A stage's place in a funnel order; a stage the order lacks, and `(not seen)`, after every listed one."""
    return order.index(stage) if stage in order else len(order) + (stage == NOT_SEEN)


# --- provisioning ---------------------------------------------------------------------------------------


def values_to_create(new: CompiledDefinition, existing: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Per system, the write values of the new definition's stage fields that `existing` lacks, in rank order."""
    missing: dict[str, list[str]] = {}
    for system, view in new.systems.items():
        have = set(existing.get(system, ()))
        wanted: list[str] = []
        for stage in new.definition.stages:
            for value in (view.mapping.write_values(stage.key) or {}).values():
                if value and value not in have and value not in wanted:
                    wanted.append(value)
        if wanted:
            missing[system] = wanted
    return missing


def known_values(compiled: CompiledDefinition) -> dict[str, set[str]]:
    """Stage values a definition reads or writes: in a system it runs against, these exist already."""
    found: dict[str, set[str]] = {}
    for system, view in compiled.systems.items():
        values = found.setdefault(system, set())
        for stage_field in view.mapping.stage_fields:
            values.update(raw for raw in stage_field.read)
        for stage in compiled.definition.stages:
            values.update(v for v in (view.mapping.write_values(stage.key) or {}).values() if v)
    return found
