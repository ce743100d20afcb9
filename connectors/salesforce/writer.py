"""Writes stage corrections and SLA flags through sObject Collections: 200 records a call, per-record results."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.annotations import writable_extras
from connectors.errors import WriteOutcomeUnknownError
from connectors.ports import OUTCOME_UNKNOWN, WriteOutcome
from connectors.salesforce.api import SalesforceApi
from connectors.salesforce.source import SalesforceLeadSource
from mapping.plan import Correction
from mapping.sla import SlaEntry

BATCH = 200
LOCK_RETRIES = 3
FLAG_ROUNDS = 3  # creates of flag Tasks whose answer was lost: look, then create what is missing
NO_ASSIGNMENT = {"Sforce-Auto-Assign": "FALSE"}  # a stage correction must never reassign the lead
FLAG_SUBJECT_PREFIX = "[leadsync]"  # our own flag Tasks, which must never count as work on the lead



class SalesforceStageWriter:
    system = "salesforce"

    def __init__(self, api: SalesforceApi, source: SalesforceLeadSource, flag_field: str | None = None) -> None:
        self.api = api
        self.source = source
        self.flag_field = flag_field
        self.missing_annotation_fields: list[str] = []  # annotation fields the org lacks (or will not let us write)

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        """Every correction of a record, with its annotation fields, in one record of the batch; steps (clear, set)
        in separate calls."""
        outcomes: list[WriteOutcome] = []
        for step in sorted({c.step for c in corrections}):
            records: dict[str, dict[str, Any]] = {}
            for correction in (c for c in corrections if c.step == step):
                record = records.setdefault(correction.record_id,
                                            {"attributes": {"type": "Lead"}, "id": correction.record_id})
                for name, value in self._writable(correction.extras):
                    record.setdefault(name, value)
                record[correction.field] = correction.after
            outcomes += self._update(list(records.values()))
        return outcomes

    def _writable(self, extras: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        if not extras:
            return []
        return writable_extras(extras, self.source.describe_fields(), self.missing_annotation_fields, "Lead field")

    def _send(self, method: str, operation: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """One sObject Collections call (all-or-none off); None when its answer never came: it may have landed."""
        try:
            return self.api.restful("composite/sobjects", method, {"allOrNone": False, "records": batch}, operation,
                                    NO_ASSIGNMENT, write=True)
        except WriteOutcomeUnknownError:
            return None

    def _update(self, records: list[dict[str, Any]]) -> list[WriteOutcome]:
        outcomes: dict[str, WriteOutcome] = {}
        pending = records
        for _ in range(LOCK_RETRIES):
            locked: list[dict[str, Any]] = []
            for start in range(0, len(pending), BATCH):
                batch = pending[start : start + BATCH]
                results = self._send("PATCH", "collections.update", batch)
                if results is None:
                    results = [{"success": False, "errors": [{"statusCode": OUTCOME_UNKNOWN,
                                                              "message": "the write got no answer"}]}] * len(batch)
                for record, result in zip(batch, results, strict=False):
                    outcome = _outcome(record["id"], result)
                    outcomes[record["id"]] = outcome
                    if outcome.code == "UNABLE_TO_LOCK_ROW":
                        locked.append(record)
            if not locked:
                break
            pending = locked
        return [outcomes[r["id"]] for r in records]

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        rows = self.source.read_records(record_ids)
        return {row["Id"]: {name: row.get(name) for name in self.source.stage_fields} for row in rows}

    def write_sla_flags(self, entries: Sequence[SlaEntry], clear: Sequence[str]) -> list[WriteOutcome]:
        """A configured flag field is set (breach instant) or cleared; without one, the owner gets a Task.

        Flags already present (a rerun after a crash, a concurrent run) are not written again.
        """
        if self.flag_field:
            return self._write_flag_field(entries, clear)
        tasks: list[dict[str, Any]] = [{"attributes": {"type": "Task"}, "WhoId": e.record_id, "OwnerId": e.owner_id,
                  "Subject": flag_subject(e.stage), "Status": "Not Started",
                  "ActivityDate": (e.breached_at or e.due_at).date().isoformat()}
                 for e in entries if e.owner_id]
        present = self._open_flag_tasks([task["WhoId"] for task in tasks])
        outcomes = [WriteOutcome(task["WhoId"], True) for task in tasks if (task["WhoId"], task["Subject"]) in present]
        pending = [task for task in tasks if (task["WhoId"], task["Subject"]) not in present]
        for _ in range(FLAG_ROUNDS):
            unknown = self._create_tasks(pending, outcomes)
            if not unknown:
                break
            time.sleep(self.api.settings.timeout_s)  # let a slow create land before looking for it
            present = self._open_flag_tasks([task["WhoId"] for task in unknown])
            outcomes += [WriteOutcome(t["WhoId"], True) for t in unknown if (t["WhoId"], t["Subject"]) in present]
            pending = [t for t in unknown if (t["WhoId"], t["Subject"]) not in present]
        return outcomes + [WriteOutcome(record_id, True) for record_id in clear]

    def _create_tasks(self, tasks: list[dict[str, Any]], outcomes: list[WriteOutcome]) -> list[dict[str, Any]]:
        """Create in batches, adding outcomes; the tasks of batches that got no answer are returned."""
        unknown: list[dict[str, Any]] = []
        for start in range(0, len(tasks), BATCH):
            batch = tasks[start:start + BATCH]
            results = self._send("POST", "collections.create", batch)
            if results is None:
                unknown += batch
                continue
            outcomes += [_outcome(task["WhoId"], result) for task, result in zip(batch, results, strict=False)]
        return unknown

    def _write_flag_field(self, entries: Sequence[SlaEntry], clear: Sequence[str]) -> list[WriteOutcome]:
        assert self.flag_field
        wanted = {e.record_id: _iso(e.breached_at) for e in entries} | dict.fromkeys(clear)
        rows = self.source.query_by(("Id", self.flag_field), "Id", sorted(wanted), "read")
        held = {row["Id"]: row.get(self.flag_field) for row in rows}
        done = [r for r, value in wanted.items() if r in held and _same_instant(held[r], value)]
        records = [{"attributes": {"type": "Lead"}, "id": r, self.flag_field: value}
                   for r, value in wanted.items() if r not in done]
        return [WriteOutcome(r, True) for r in done] + (self._update(records) if records else [])

    def _open_flag_tasks(self, lead_ids: Sequence[str]) -> set[tuple[str, str]]:
        if not lead_ids:
            return set()
        rows = self.source.query_by(("WhoId", "Subject"), "WhoId", sorted(set(lead_ids)), "flags", "Task",
                               f"Subject LIKE '{FLAG_SUBJECT_PREFIX}%' AND Status != 'Completed' AND ")
        return {(str(row.get("WhoId")), str(row.get("Subject"))) for row in rows}


def flag_subject(stage: str) -> str:
    return f"{FLAG_SUBJECT_PREFIX} SLA breached: {stage} lead not worked in time"


def _same_instant(held: object, wanted: str | None) -> bool:
    if not held or not wanted:
        return not held and not wanted
    return str(held)[:19] == wanted[:19]


def _outcome(record_id: str, result: dict[str, Any]) -> WriteOutcome:
    if result.get("success"):
        return WriteOutcome(record_id, True)
    errors = result.get("errors") or [{}]
    code = str(errors[0].get("statusCode") or "UNKNOWN")
    return WriteOutcome(record_id, False, code, str(errors[0].get("message") or "")[:500],
                        transient=code == "UNABLE_TO_LOCK_ROW")


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if value else None
