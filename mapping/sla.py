"""SLA clocks for resolved leads: when the clock started, what work stopped it, and the state as of `now`.

The start comes from stage history; a record created directly in the stage (no stage history) entered it at its
creation; else it is when leadsync first observed the stage (marked estimated). What the state store recorded of
an earlier run (`Observed`) keeps the start stable from one run to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from mapping.business_time import BusinessCalendar
from mapping.definition.compiled import CompiledDefinition
from mapping.definition.models import WEEKDAYS, Calendar, WorkEvidence
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


class Observed(NamedTuple):
    """What the state store holds of a record from earlier runs: the stage leadsync last saw it in (or moved it
    into), since when, and whether that instant is only leadsync's first sight of it (an estimate)."""

    stage: str | None
    at: datetime
    estimated: bool


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
        self.zone = compiled.zone
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
        observed: Observed | None = None,
    ) -> SlaEntry | None:
        """The lead's clock in its decided stage as of `now`; `observed` is what the state store holds of its
        primary record (None: never seen)."""
        stage = resolution.stage
        record = pair.crm or pair.ma
        if stage is None or record is None or stage not in self.policies:
            return None
        policy, worked_by = self.policies[stage]
        started_at, estimated = self._start(pair, record, stage, now, observed)
        work = self._work(pair, stage, started_at, worked_by)
        clock = evaluate_sla(self.calendar, policy, started_at, estimated, work, now)
        return _entry(record, stage, clock, resolution.fields.get("owner_id"))

    def _start(
        self, pair: LeadPair, record: CanonicalLead, stage: str, now: datetime, observed: Observed | None
    ) -> tuple[datetime, bool]:
        # The earliest entry either system records: a lead HubSpot made an MQL last month has been one since,
        # even if leadsync only now corrects the CRM (so the sync and the sweep agree on the clock).
        recorded = observed if observed is not None and observed.stage == stage else None
        if recorded is not None and _left_since(pair, stage, recorded.at):
            recorded = None
        entries = [at for lead in (pair.crm, pair.ma)
                   if lead is not None and lead.stage == stage and (at := _entered(lead, recorded)) is not None]
        # An earlier run's start stands while the lead stays in the stage: leadsync's own write into it shows up
        # in the history seconds after the run that decided it, and must not move the clock.
        if recorded is not None and (not entries or recorded.at < min(entries)):
            return recorded.at, recorded.estimated
        if entries:
            return min(entries), False
        return now, record.stage == stage  # leadsync moves it into the stage now; or first sight of it (estimated)

    def _work(
        self, pair: LeadPair, stage: str, started_at: datetime, worked_by: frozenset[WorkEvidence]
    ) -> list[datetime]:
        instants: list[datetime] = []
        for lead in (pair.crm, pair.ma):
            if lead is None:
                continue
            if WorkEvidence.ACTIVITY in worked_by:
                instants += lead.work
                instants += _work_fields(lead, started_at, self.zone)
            if WorkEvidence.STAGE_ADVANCE in worked_by:
                rank = self.compiled.rank(stage)
                instants += [e.at for e in lead.history if e.at >= started_at and self.compiled.rank(e.stage) > rank]
        return instants


def _entered(lead: CanonicalLead, recorded: Observed | None) -> datetime | None:
    """When `lead` entered its current stage: from its stage history, else at its creation when it has no stage
    history at all (created directly in the stage), unless leadsync recorded moving it there itself."""
    if lead.stage_entered_at is not None:
        return lead.stage_entered_at
    if not lead.history and (recorded is None or recorded.estimated):
        return lead.created_at
    return None


def _left_since(pair: LeadPair, stage: str, since: datetime) -> bool:
    """Whether a record now in `stage` shows a move to another stage at or after `since` (so it left and came back)."""
    return any(event.stage != stage and event.at >= since
               for lead in (pair.crm, pair.ma) if lead is not None and lead.stage == stage for event in lead.history)


def _work_fields(lead: CanonicalLead, started_at: datetime, zone: ZoneInfo) -> Iterable[datetime]:
    for name in WORK_FIELDS:
        value = lead.fields.get(name)
        if not isinstance(value, datetime):
            continue
        if name in lead.date_only:
            yield from _work_day(value.date(), started_at, zone)
        else:
            yield value


def _work_day(day: date, started_at: datetime, zone: ZoneInfo) -> Iterable[datetime]:
    """Work known only to the day, a day in the calendar's time zone: on the day of entry it counts as work at
    entry, on a later day as work at that day's start; an earlier day's work belonged to an earlier stage."""
    entered = started_at.astimezone(zone).date()
    if day == entered:
        yield started_at
    elif day > entered:
        yield max(datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), started_at)


def _entry(record: CanonicalLead, stage: str, clock: SlaClock, owner: object) -> SlaEntry:
    return SlaEntry(
        record.system, record.record_id, stage, clock.state, clock.started_at, clock.started_estimated,
        clock.worked_at, clock.due_at, clock.at_risk_at, clock.breached_at, owner if isinstance(owner, str) else None,
    )
