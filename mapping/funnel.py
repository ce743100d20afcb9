"""Each person's way through the funnel, as each system records it and by the definition: the rows the funnel counts.

Pure: no I/O, no clock. The run's `as_of` dates what no history dates (a stage leadsync only now sees or decides).
A *segment* is one stay in one stage: entered, then left when the next stage was entered (open while current). It
carries what the store counts by, worked out once here: its month and week numbers, whether it re-enters a stage in
the same period, and where its key went after it (the cohort outcome).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from mapping.business_time import BusinessCalendar, elapsed, in_range
from mapping.definition.compiled import CompiledDefinition
from mapping.funnel_periods import PeriodKind, local_day, period_number
from mapping.funnel_reasons import UNKNOWN, ReasonStay, record_reasons
from mapping.match import DuplicateFinding, LeadPair
from mapping.records import CanonicalLead
from mapping.resolve import has_unmapped_stage, merged_fields, resolve_pair

DEFINITION = "definition"  # the view of the resolved stages, beside each system's own ("salesforce", "hubspot")
NO_STAGE = 0  # the code of "no stage" (an unmapped or empty value)
SIDE_BASE = 100  # side stages are coded from here; ladder stages 1, 2, … in funnel order
DUPLICATE_PREFIX = "dup:"  # the person key of records sharing an email (never paired): one person, counted once

Event = tuple[datetime, str | None]


class Reason:
    """Why a system's stage differs from the definition's (the drift table's reasons)."""

    DUPLICATE = "duplicate"  # several records of one person: the system counts each
    UNMAPPED = "unmapped_value"  # the system's value maps to no stage
    UNMET = "unmet_criteria"  # the system claims a stage whose entry criteria the lead does not meet
    SALES_DECIDES = "sales_decides"  # marketing's system claims a sales-owned stage Sales has not decided
    LAG = "lag"  # the system has not (yet) recorded the move the definition made
    NO_STAGE = "no_stage"  # the record carries no stage at all
    OTHER = "unexplained"
    UNKNOWN = UNKNOWN  # before leadsync first saw the record (`mapping.funnel_reasons`)


class StageCodes:
    """Small integers for the definition's stages, so SQL can compare them: ladder 1…n, side 100…, none 0."""

    def __init__(self, compiled: CompiledDefinition) -> None:
        side = [s.key for s in compiled.definition.stages if s.side]
        self.ladder: tuple[str, ...] = compiled.ladder
        self.side: tuple[str, ...] = tuple(side)
        self._codes = {stage: i + 1 for i, stage in enumerate(self.ladder)}
        self._codes |= {stage: SIDE_BASE + i for i, stage in enumerate(side)}
        self._stages = {code: stage for stage, code in self._codes.items()}

    def code(self, stage: str | None) -> int:
        return self._codes.get(stage, NO_STAGE) if stage is not None else NO_STAGE

    def stage(self, code: int | None) -> str | None:
        return self._stages.get(code) if code is not None else None

    def is_side(self, code: int) -> bool:
        return code >= SIDE_BASE


@dataclass(frozen=True, slots=True)
class Segment:
    """One stay of a record (system views) or a person (the definition view) in one stage; times in epoch seconds."""

    view: str
    key: str
    seq: int
    stage: str | None
    code: int
    entered_s: int
    left_s: int | None  # None: still there
    prev_same_s: int | None  # when the same key last entered the same stage (a re-entry), if ever
    prior_s: int | None  # business seconds since entering the ladder stage just below (definition view), if it was
    entered_m: int  # the month and week numbers (`mapping.funnel_periods.period_number`) it began and ended in
    left_m: int | None
    entered_w: int
    left_w: int | None
    repeat_m: bool  # the key entered this stage earlier in the same month (week): a re-entry, counted once
    repeat_w: bool
    best: int | None  # the highest ladder code among the key's later stays, if any
    side: int | None  # the code of the first side stage among them, if any
    last_s: int  # when the key's last stay began: a funnel ending after it sees every later stay
    owner: str | None = None  # the person's owner and source (definition view): what `--by` groups by
    source: str | None = None


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """One system record as the drift table reads it: its own stage beside its person's stage by the definition."""

    system: str
    record_id: str
    person: str
    stage: str | None
    resolved: str | None
    reason: str  # "" when they agree
    owner: str | None
    source: str | None
    version: str
    as_of_s: int  # the as_of of the run that made the row: when it dated what no history dates


@dataclass(frozen=True, slots=True)
class FunnelPage:
    """A page's rows: its records' facts and the segments of its records and people (they replace earlier ones), and
    its records' drift reasons (their unknown past, then as of the run: they join each record's reason history)."""

    records: tuple[RecordFacts, ...]
    segments: tuple[Segment, ...]
    reasons: tuple[ReasonStay, ...] = ()


class Verdict(Protocol):
    """What the funnel reads of a pair's resolution (`mapping.resolve.Resolution`): its stage, the fields it saw."""

    @property
    def stage(self) -> str | None: ...

    @property
    def fields(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class _Planned:
    stage: str | None
    fields: dict[str, Any]


def funnel_page(pairs: Sequence[LeadPair], duplicates: Sequence[DuplicateFinding], leads: Sequence[CanonicalLead],
                compiled: CompiledDefinition, calendar: BusinessCalendar, as_of: datetime,
                resolved: Mapping[tuple[str, str], str | None] | None = None) -> FunnelPage:
    """The funnel rows of one planned page: every pair a person, every duplicated email one person.

    `resolved`: the stage the plan resolved for each pair (by its primary record), so no pair is resolved twice."""
    codes = StageCodes(compiled)
    records: list[RecordFacts] = []
    segments: list[Segment] = []
    for pair in pairs:
        resolution = _verdict(pair, compiled, resolved)
        person = person_key(pair)
        events = definition_events(pair, resolution, compiled, as_of)
        owner, source = _groups([r for r in (pair.crm, pair.ma) if r is not None])
        segments += segments_of(DEFINITION, person, events, codes, compiled.zone, calendar, owner, source)
        for lead in (pair.crm, pair.ma):
            if lead is not None:
                reason = drift_reason(lead, resolution, compiled)
                records.append(_facts(lead, person, resolution.stage, reason, owner, source, compiled.version, as_of))
                segments += segments_of(lead.system, lead.record_id, system_events(lead, compiled, as_of), codes,
                                        compiled.zone)
    by_key = {lead.key: lead for lead in leads}
    for person, members in duplicate_people(duplicates, by_key).items():
        events = walk(sorted((e for lead in members for e in system_events(lead, compiled, as_of)), key=_when), compiled)
        owner, source = _groups(members)
        segments += segments_of(DEFINITION, person, events, codes, compiled.zone, calendar, owner, source)
        last = events[-1][1] if events else None
        for lead in members:
            records.append(_facts(lead, person, last, Reason.DUPLICATE, owner, source, compiled.version, as_of))
            segments += segments_of(lead.system, lead.record_id, system_events(lead, compiled, as_of), codes,
                                    compiled.zone)
    return FunnelPage(tuple(records), tuple(segments), reason_history(records, segments, compiled.zone))


def reason_history(records: Sequence[RecordFacts], segments: Sequence[Segment], zone: ZoneInfo) -> tuple[ReasonStay, ...]:
    """Each record's drift reason rows: its own stays beside its person's stays by the definition."""
    stays: dict[tuple[str, str], list[Segment]] = {}
    for s in segments:
        stays.setdefault((s.view, s.key), []).append(s)
    return tuple(row for r in records for row in record_reasons(r, stays.get((r.system, r.record_id), []),
                                                                  stays.get((DEFINITION, r.person), []), zone))


def _verdict(pair: LeadPair, compiled: CompiledDefinition,
             resolved: Mapping[tuple[str, str], str | None] | None) -> Verdict:
    if resolved is not None and pair.primary.key in resolved:
        return _Planned(resolved[pair.primary.key], merged_fields(pair))
    return resolve_pair(pair, compiled)


def person_key(pair: LeadPair) -> str:
    """One id per person, across both systems: the Salesforce lead's id, else the HubSpot contact's."""
    return pair.primary.record_id


def duplicate_people(duplicates: Sequence[DuplicateFinding],
                     leads: dict[tuple[str, str], CanonicalLead]) -> dict[str, list[CanonicalLead]]:
    """The records of each duplicated email (both systems), under one person key."""
    other = {"salesforce": "hubspot", "hubspot": "salesforce"}
    people: dict[str, dict[tuple[str, str], CanonicalLead]] = {}
    for finding in duplicates:
        keys = [(finding.system, r) for r in finding.record_ids] + [(other[finding.system], r) for r in finding.other_ids]
        members = people.setdefault(DUPLICATE_PREFIX + finding.email, {})
        members |= {key: leads[key] for key in keys if key in leads}
    return {person: list(members.values()) for person, members in people.items() if members}


def system_events(lead: CanonicalLead, compiled: CompiledDefinition, as_of: datetime) -> list[Event]:
    """The record's stages as its system records them, oldest first.

    No history: its current stage since it entered it (or was created, or leadsync first saw it). A history that
    starts after the record was created starts at the funnel's first stage (the stage before a first recorded move
    is not in the history). A current stage the history does not show was entered when the record says, else now.
    """
    events: list[Event] = [(e.at, e.stage) for e in lead.history]
    if not events:
        return [(lead.stage_entered_at or lead.created_at or as_of, lead.stage)]
    first = compiled.ladder[0] if compiled.ladder else None
    if lead.created_at is not None and lead.created_at < events[0][0]:
        events.insert(0, (lead.created_at, first))
    if events[-1][1] != lead.stage:
        events.append((max(lead.stage_entered_at or as_of, events[-1][0]), lead.stage))
    return events


def definition_events(pair: LeadPair, resolution: Verdict, compiled: CompiledDefinition, as_of: datetime) -> list[Event]:
    """The person's stages by the definition, oldest first (DESIGN §5 applied to the history).

    The CRM's moves stand (Sales decides); the MA system's count only as marketing evidence the lead meets (a
    sales-owned claim implies the marketing stage below it). No regression; a side stage is left on later evidence.
    The decided stage closes the path, dated now when no history dates it.
    """
    if pair.crm is None:
        events = system_events(pair.primary, compiled, as_of)
    else:
        events = system_events(pair.crm, compiled, as_of)
        if pair.ma is not None:
            events += [(at, claim) for at, stage in system_events(pair.ma, compiled, as_of)
                       if (claim := _marketing_claim(stage, resolution, compiled)) is not None]
    path = walk(sorted(events, key=_when), compiled)
    current = path[-1][1] if path else None
    if current != resolution.stage and (path or resolution.stage is not None):
        path.append((max(as_of, path[-1][0]) if path else as_of, resolution.stage))
    return path


def _marketing_claim(stage: str | None, resolution: Verdict, compiled: CompiledDefinition) -> str | None:
    if stage in compiled.side:
        return stage if compiled.is_marketing(stage) else None
    claim = compiled.as_marketing(stage)
    return claim if claim is not None and compiled.criteria[claim](resolution.fields) else None


def walk(events: Iterable[Event], compiled: CompiledDefinition) -> list[Event]:
    """Time-ordered evidence to a path: never down the ladder; into a side stage at once, out of it on later evidence."""
    path: list[Event] = []
    current: str | None = None
    for at, stage in events:
        if stage is None:
            continue
        moved = stage if stage in compiled.side or current in compiled.side else compiled.highest(current, stage)
        if moved != current:
            path.append((at, moved))
            current = moved
    return path


def segments_of(view: str, key: str, events: Sequence[Event], codes: StageCodes, zone: ZoneInfo,
                calendar: BusinessCalendar | None = None, owner: str | None = None,
                source: str | None = None) -> list[Segment]:
    """Consecutive events of one stage make one segment; with a calendar, the business time each ladder step took."""
    stays = [e for i, e in enumerate(events) if i == 0 or e[1] != events[i - 1][1]]
    if not stays:
        return []
    entered = [_epoch(at) for at, _ in stays]
    days = [local_day(zone, instant) for instant in entered]
    months = [period_number(PeriodKind.MONTH, day) for day in days]
    weeks = [period_number(PeriodKind.WEEK, day) for day in days]
    outcomes = _later_outcomes([codes.code(stage) for _, stage in stays])
    made: list[Segment] = []
    last_entered: dict[str | None, int] = {}
    for seq, (at, stage) in enumerate(stays):
        before = last_entered.get(stage)
        after = seq + 1 if seq + 1 < len(stays) else None
        prior = _step_seconds(stays[seq - 1], (at, stage), codes, calendar) if seq and calendar else None
        made.append(Segment(
            view, key, seq, stage, codes.code(stage), entered[seq], _at(entered, after),
            _at(entered, before), prior, months[seq], _at(months, after), weeks[seq], _at(weeks, after),
            before is not None and months[before] == months[seq], before is not None and weeks[before] == weeks[seq],
            *outcomes[seq], entered[-1], owner, source))
        last_entered[stage] = seq
    return made


def _later_outcomes(stage_codes: Sequence[int]) -> list[tuple[int | None, int | None]]:
    """Per stay: the highest ladder code after it, and the first side-stage code after it (None: none)."""
    found: list[tuple[int | None, int | None]] = []
    best: int | None = None
    side: int | None = None
    for code in reversed(stage_codes):
        found.append((best, side))
        if 0 < code < SIDE_BASE:
            best = code if best is None else max(best, code)
        elif code >= SIDE_BASE:
            side = code
    return found[::-1]


def _at(values: Sequence[int], index: int | None) -> int | None:
    return values[index] if index is not None else None


def _step_seconds(before: Event, after: Event, codes: StageCodes, calendar: BusinessCalendar | None) -> int | None:
    """Business seconds of a step up to the next ladder stage; None for any other move."""
    low, high = codes.code(before[1]), codes.code(after[1])
    if calendar is None or not (0 < low < SIDE_BASE and high == low + 1):
        return None
    if not (in_range(before[0]) and in_range(after[0])):
        return None
    return int(elapsed(calendar, before[0], after[0]).total_seconds())


def drift_reason(lead: CanonicalLead, resolution: Verdict, compiled: CompiledDefinition) -> str:
    """Why this record's own stage is not its person's stage by the definition ("" when it is)."""
    if has_unmapped_stage(lead):
        return Reason.UNMAPPED
    stage, decided = lead.stage, resolution.stage
    if stage == decided:
        return ""
    if stage is None:
        return Reason.NO_STAGE
    if decided is None:
        return Reason.UNMAPPED
    if stage in compiled.side or decided in compiled.side or compiled.rank(stage) < compiled.rank(decided):
        return Reason.LAG
    if not compiled.criteria[stage](resolution.fields):
        return Reason.UNMET
    if lead.system != "salesforce" and not compiled.is_marketing(stage):
        return Reason.SALES_DECIDES
    return Reason.OTHER


def _facts(lead: CanonicalLead, person: str, resolved: str | None, reason: str, owner: str | None,
           source: str | None, version: str, as_of: datetime) -> RecordFacts:
    return RecordFacts(lead.system, lead.record_id, person, lead.stage, resolved, reason, owner, source, version,
                       _epoch(as_of))


def _groups(leads: Sequence[CanonicalLead]) -> tuple[str | None, str | None]:
    """The person's owner and source: the CRM's where it has them, else the MA system's."""
    ordered = sorted(leads, key=lambda lead: lead.system != "salesforce")
    owner = next((str(v) for lead in ordered if (v := lead.fields.get("owner_id"))), None)
    source = next((str(v) for lead in ordered if (v := lead.fields.get("source"))), None)
    return owner, source


def _when(event: Event) -> datetime:
    return event[0]


def _epoch(at: datetime) -> int:
    return int(at.timestamp())
