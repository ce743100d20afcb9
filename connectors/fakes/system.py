"""A fake Salesforce org or HubSpot portal, in memory, implementing every system port.

For fast tests of the orchestration above the connectors. It keeps the vendors' raw record shapes and batch
sizes, counts calls, and exposes state (`records`, `writes`) for assertions instead of mock call lists.
tests/contract holds it to the same suites as the real connectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.errors import UnavailableError
from connectors.ports import OUTCOME_UNKNOWN, RawRecord, StageEvidence, TimeWindow, WriteOutcome
from mapping.convert import to_datetime
from mapping.plan import Correction
from mapping.sla import SlaEntry
from mapping.stage_diff import PicklistValue, StageDiff

PAGE = {"salesforce": 2000, "hubspot": 200}
WHOLE_PAGE = {"salesforce": 2000, "hubspot": 100}  # a whole pull: REST query pages; HubSpot's list endpoint
EVIDENCE_PAGE = 2000
WRITE_BATCH = {"salesforce": 200, "hubspot": 100}
OWNER_BATCH = {"salesforce": 450, "hubspot": 500}  # ids in one SOQL IN list under its length cap; owners in a page
# The precision a window is asked at: SOQL datetime literals are whole seconds, HubSpot's filters milliseconds.
# The start is rounded down and the end up, as the connectors do, so a window keeps what was stamped in its end's tick.
TICK = {"salesforce": timedelta(seconds=1), "hubspot": timedelta(milliseconds=1)}


@dataclass
class FakeSystem:
    """One system's records, keyed by id. `fail_next[operation] = n` makes the next n calls of it fail."""

    system: str
    records: dict[str, RawRecord] = field(default_factory=dict)
    history: dict[str, list[RawRecord]] = field(default_factory=dict)
    activities: dict[str, list[RawRecord]] = field(default_factory=dict)
    picklists: dict[str, list[PicklistValue]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    writes: list[tuple[str, str, str | None]] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # owner id -> the name people know the owner by
    annotations: dict[str, dict[str, str | None]] = field(default_factory=dict)  # record id -> annotation fields
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)  # record id -> (code, message)
    fail_next: Counter[str] = field(default_factory=Counter)
    pass_first: Counter[str] = field(default_factory=Counter)  # calls let through before `fail_next` applies
    unanswered: Counter[str] = field(default_factory=Counter)  # "applied"/"dropped": the next write calls whose
    # answer is lost after the write was carried out, or before it was

    def load(self, records: Iterable[RawRecord]) -> None:
        for record in records:
            self.records[self._id(record)] = record

    # --- LeadSource / EvidenceSource ------------------------------------------------------------------

    def count_changed(self, window: TimeWindow) -> int:
        self._call("count")
        return sum(1 for record in self.records.values() if self._in(window, record))

    def iter_changed(self, window: TimeWindow) -> Iterator[list[RawRecord]]:
        matching = sorted((r for r in self.records.values() if self._in(window, r)), key=self._order)
        size = PAGE[self.system]
        for start in range(0, len(matching), size):
            self._call("pull")
            yield [dict(record) for record in matching[start : start + size]]

    def read_records(self, record_ids: Sequence[str]) -> list[RawRecord]:
        found = []
        for chunk in _chunks(list(record_ids), WRITE_BATCH[self.system]):
            self._call("read")
            found += [dict(self.records[i]) for i in chunk if i in self.records]
        return found

    def find_by_emails(self, emails: Sequence[str]) -> list[RawRecord]:
        wanted = {self._email_key(e) for e in emails}
        found = []
        for _ in _chunks(list(wanted), WRITE_BATCH[self.system]):
            self._call("find")
        for record in self.records.values():
            email = self._values(record).get(self._email_field)
            if isinstance(email, str) and self._email_key(email) in wanted:
                found.append(dict(record))
        return found

    def _email_key(self, email: str) -> str:
        """How the system compares emails: both ignore case; SOQL's `Email IN (…)` keeps surrounding spaces,
        HubSpot's lookup by the email property does not."""
        return email.lower() if self.system == "salesforce" else email.strip().lower()

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence:
        self._call("evidence")
        ids = set(record_ids)
        return StageEvidence(
            {i: rows for i, rows in self.history.items() if i in ids},
            {i: rows for i, rows in self.activities.items() if i in ids},
        )

    def iter_whole(self, window: TimeWindow) -> Iterator[list[RawRecord]]:
        matching = sorted((r for r in self.records.values() if self._in(window, r)), key=self._id)
        size = WHOLE_PAGE[self.system]
        for start in range(0, len(matching), size):
            self._call("pull_whole")
            yield [dict(record) for record in matching[start : start + size]]

    def iter_all_evidence(self) -> Iterator[StageEvidence]:
        for kind, grouped in (("history", self.history), ("activities", self.activities)):
            rows = [(record_id, row) for record_id, found in sorted(grouped.items()) for row in found]
            for start in range(0, max(len(rows), 1), EVIDENCE_PAGE):
                self._call("evidence_whole")
                page: dict[str, list[RawRecord]] = {}
                for record_id, row in rows[start : start + EVIDENCE_PAGE]:
                    page.setdefault(record_id, []).append(dict(row))
                yield StageEvidence(page, {}) if kind == "history" else StageEvidence({}, page)

    # --- StageWriter ----------------------------------------------------------------------------------

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        for step in sorted({c.step for c in corrections}):
            ordered = [c for c in corrections if c.step == step]
            records = list(dict.fromkeys(c.record_id for c in ordered))
            for chunk in _chunks(records, WRITE_BATCH[self.system]):
                self._call("write")
                if self._lose_answer("dropped"):
                    outcomes += [WriteOutcome(r, False, OUTCOME_UNKNOWN, "no answer") for r in chunk]
                    continue
                answers = [self._apply(record_id, [c for c in ordered if c.record_id == record_id]) for record_id in chunk]
                if self._lose_answer("applied"):
                    answers = [WriteOutcome(r, False, OUTCOME_UNKNOWN, "no answer") for r in chunk]
                outcomes += answers
        return outcomes

    def _lose_answer(self, kind: str) -> bool:
        if self.unanswered[kind] > 0:
            self.unanswered[kind] -= 1
            return True
        return False

    def _apply(self, record_id: str, corrections: list[Correction]) -> WriteOutcome:
        if record_id in self.rejected:
            code, message = self.rejected[record_id]
            return WriteOutcome(record_id, False, code, message)
        if record_id not in self.records:
            return WriteOutcome(record_id, False, "NOT_FOUND", "no such record")
        values = self._values(self.records[record_id])
        for correction in corrections:
            values[correction.field] = correction.after if self.system == "salesforce" else (correction.after or "")
            self.writes.append((record_id, correction.field, correction.after))
            if correction.extras:  # written with the stage, kept apart so pulled records keep their shape
                self.annotations.setdefault(record_id, {}).update(correction.extras)
        return WriteOutcome(record_id, True)

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        return {self._id(r): dict(self._values(r)) for r in self.read_records(record_ids)}

    # --- PicklistAdmin / SlaFlagWriter ------------------------------------------------------------------

    def read_picklist(self, field_name: str) -> list[PicklistValue]:
        self._call("picklist_read")
        return list(self.picklists.get(field_name, []))

    def add_picklist_values(self, diff: StageDiff) -> WriteOutcome:
        if diff.empty:  # nothing to add: no call, as the connectors
            return WriteOutcome(diff.field, True)
        self._call("picklist_write")
        self.picklists[diff.field] = list(diff.full)
        return WriteOutcome(diff.field, True)

    def write_sla_flags(self, entries: Sequence[SlaEntry], clear: Sequence[str]) -> list[WriteOutcome]:
        outcomes = []
        for chunk in _chunks([*entries, *clear], WRITE_BATCH[self.system]):
            self._call("flags")
            for item in chunk:
                if isinstance(item, str):
                    self.flags.pop(item, None)
                    outcomes.append(WriteOutcome(item, True))
                else:
                    self.flags[item.record_id] = item.stage
                    outcomes.append(WriteOutcome(item.record_id, True))
        return outcomes

    # --- OwnerDirectory -------------------------------------------------------------------------------------

    def read_owner_names(self, owner_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(owner_ids)), OWNER_BATCH[self.system]):
            self._call("owners")
            found |= {i: self.owners[i] for i in chunk if i in self.owners}
        return found

    # --- shapes -------------------------------------------------------------------------------------------

    @property
    def _email_field(self) -> str:
        return "Email" if self.system == "salesforce" else "email"

    def _id(self, record: RawRecord) -> str:
        return str(record["Id"] if self.system == "salesforce" else record["id"])

    def _values(self, record: RawRecord) -> dict[str, Any]:
        return record if self.system == "salesforce" else record.setdefault("properties", {})

    def _modified(self, record: RawRecord) -> datetime | None:
        name = "SystemModstamp" if self.system == "salesforce" else "lastmodifieddate"
        return to_datetime(self._values(record).get(name))[0]

    def _in(self, window: TimeWindow, record: RawRecord) -> bool:
        modified = self._modified(record)
        tick = TICK[self.system]
        return modified is not None and _floor(window.start, tick) <= modified < _ceil(window.end, tick)

    def _order(self, record: RawRecord) -> tuple[datetime, str]:
        return (self._modified(record) or window_floor(), self._id(record))

    def _call(self, operation: str) -> None:
        self.calls[operation] += 1
        if self.pass_first[operation] > 0:
            self.pass_first[operation] -= 1
            return
        if self.fail_next[operation] > 0:
            self.fail_next[operation] -= 1
            raise UnavailableError(self.system, operation, "injected failure")


def window_floor() -> datetime:
    return datetime.min.replace(tzinfo=UTC)


def _floor(instant: datetime, tick: timedelta) -> datetime:
    return instant - (instant - window_floor()) % tick


def _ceil(instant: datetime, tick: timedelta) -> datetime:
    floor = _floor(instant, tick)
    return floor if floor == instant else floor + tick


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
