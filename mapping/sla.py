"""SLA clocks for resolved leads: when the clock started, what work stopped it, and the state as of `now`.

The start comes from stage history, else from when leadsync first observed the stage (marked estimated).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time

from mapping.business_time import BusinessCalendar
from mapping.compiled import CompiledDefinition
from mapping.definition import WEEKDAYS, Calendar, WorkEvidence
from mapping.match import LeadPair
from mapping.records import CanonicalLead
from mapping.resolve import Resolution
from mapping.sla_clock import SlaClock, SlaPolicy, SlaState, evaluate_sla

WORK_FIELDS = ("last_worked_at", "first_worked_at")
_END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True, slots=True)
class SlaEntry:
    system: str
    record_id: str
    stage: str
    state: SlaState
    started_at: datetime
    started_estimated: bool
    worked_at: datetime | None
    due_at: datetime
    at_risk_at: datetime
    breached_at: datetime | None
    owner_id: str | None


def business_calendar(calendar: Calendar) -> BusinessCalendar:
    """The definition's calendar as the business-time engine's calendar."""
    weekly = {
        index: tuple((start, time(0) if end == _END_OF_DAY else end) for start, end in calendar.working_hours.get(day, []))
        for index, day in enumerate(WEEKDAYS)
    }
    holidays = calendar.holidays
    return BusinessCalendar(
        calendar.timezone, weekly, holidays.country, holidays.subdivision, frozenset(holidays.dates)
    )


class SlaEvaluator:
    """Evaluates the SLA of leads under one definition; build once, call per lead."""

    def __init__(self, compiled: CompiledDefinition) -> None:
        self.compiled = compiled
        self.calendar = business_calendar(compiled.definition.calendar)
        self.policies: dict[str, tuple[SlaPolicy, frozenset[WorkEvidence]]] = {
            stage.key: (SlaPolicy(stage.sla.budget, stage.sla.warn_at), frozenset(stage.sla.worked_by))
            for stage in compiled.definition.stages
            if stage.sla is not None
        }

    def evaluate(
        self,
        pair: LeadPair,
        resolution: Resolution,
        now: datetime,
        first_observed: datetime | None = None,
    ) -> SlaEntry | None:
        stage = resolution.stage
        record = pair.crm or pair.ma
        if stage is None or record is None or stage not in self.policies:
            return None
        policy, worked_by = self.policies[stage]
        started_at, estimated = self._start(pair, record, stage, now, first_observed)
        work = self._work(pair, stage, started_at, worked_by)
        clock = evaluate_sla(self.calendar, policy, started_at, estimated, work, now)
        return _entry(record, stage, clock, resolution.fields.get("owner_id"))

    def _start(
        self, pair: LeadPair, record: CanonicalLead, stage: str, now: datetime, first_observed: datetime | None
    ) -> tuple[datetime, bool]:
        # The earliest entry either system records: a lead HubSpot made an MQL last month has been one since,
        # even if leadsync only now corrects the CRM (so the sync and the sweep agree on the clock).
        entries = [lead.stage_entered_at for lead in (pair.crm, pair.ma)
                   if lead is not None and lead.stage == stage and lead.stage_entered_at is not None]
        if entries:
            return min(entries), False
        if record.stage != stage:
            return now, False  # leadsync moves it into the stage now
        if first_observed is not None:
            return first_observed, True
        return now, True

    def _work(
        self, pair: LeadPair, stage: str, started_at: datetime, worked_by: frozenset[WorkEvidence]
    ) -> list[datetime]:
        instants: list[datetime] = []
        for lead in (pair.crm, pair.ma):
            if lead is None:
                continue
            if WorkEvidence.ACTIVITY in worked_by:
                instants += lead.work
                instants += _work_fields(lead, started_at)
            if WorkEvidence.STAGE_ADVANCE in worked_by:
                rank = self.compiled.rank(stage)
                instants += [e.at for e in lead.history if e.at >= started_at and self.compiled.rank(e.stage) > rank]
        return instants


def _work_fields(lead: CanonicalLead, started_at: datetime) -> Iterable[datetime]:
    for name in WORK_FIELDS:
        value = lead.fields.get(name)
        if not isinstance(value, datetime):
            continue
        if name in lead.date_only:
            # Known only to the day: work logged on the day of entry counts as work at entry.
            if value.date() >= started_at.date():
                yield max(value, started_at)
        else:
            yield value


def _entry(record: CanonicalLead, stage: str, clock: SlaClock, owner: object) -> SlaEntry:
    return SlaEntry(
        record.system, record.record_id, stage, clock.state, clock.started_at, clock.started_estimated,
        clock.worked_at, clock.due_at, clock.at_risk_at, clock.breached_at, owner if isinstance(owner, str) else None,
    )


def evaluate_all(
    evaluator: SlaEvaluator,
    decisions: Iterable[tuple[LeadPair, Resolution]],
    now: datetime,
    first_observed: Mapping[tuple[str, str], datetime] | None = None,
) -> list[SlaEntry]:
    seen = first_observed or {}
    entries = []
    for pair, resolution in decisions:
        record = pair.crm or pair.ma
        observed = seen.get(record.key) if record else None
        entry = evaluator.evaluate(pair, resolution, now, observed)
        if entry is not None:
            entries.append(entry)
    return entries

