"""Writes stage corrections and SLA flags through sObject Collections: 200 records a call, per-record results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.ports import WriteOutcome
from connectors.salesforce.api import SalesforceApi
from connectors.salesforce.source import SalesforceLeadSource
from mapping.plan import Correction
from mapping.sla import SlaEntry

BATCH = 200
LOCK_RETRIES = 3
NO_ASSIGNMENT = {"Sforce-Auto-Assign": "FALSE"}  # a stage correction must never reassign the lead
FLAG_SUBJECT_PREFIX = "[leadsync]"  # our own flag Tasks, which must never count as work on the lead


class SalesforceStageWriter:
    system = "salesforce"

    def __init__(self, api: SalesforceApi, source: SalesforceLeadSource, flag_field: str | None = None) -> None:
        self.api = api
        self.source = source
        self.flag_field = flag_field

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        """Every correction of a record in one record of the batch; steps (clear, set) in separate calls."""
        outcomes: list[WriteOutcome] = []
        for step in sorted({c.step for c in corrections}):
            records: dict[str, dict[str, Any]] = {}
            for correction in (c for c in corrections if c.step == step):
                records.setdefault(correction.record_id, {"attributes": {"type": "Lead"}, "id": correction.record_id})
                records[correction.record_id][correction.field] = correction.after
            outcomes += self._update(list(records.values()))
        return outcomes

    def _update(self, records: list[dict[str, Any]]) -> list[WriteOutcome]:
        outcomes: dict[str, WriteOutcome] = {}
        pending = records
        for _ in range(LOCK_RETRIES):
            locked: list[dict[str, Any]] = []
            for start in range(0, len(pending), BATCH):
                batch = pending[start : start + BATCH]
                results = self.api.restful("composite/sobjects", "PATCH", {"allOrNone": False, "records": batch},
                                           "collections.update", NO_ASSIGNMENT)
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
        """A configured flag field is set (breach instant) or cleared; without one, the owner gets a Task."""
        if self.flag_field:
            records = [{"attributes": {"type": "Lead"}, "id": e.record_id, self.flag_field: _iso(e.breached_at)}
                       for e in entries]
            records += [{"attributes": {"type": "Lead"}, "id": record_id, self.flag_field: None} for record_id in clear]
            return self._update(records)
        tasks = [{"attributes": {"type": "Task"}, "WhoId": e.record_id, "OwnerId": e.owner_id,
                  "Subject": f"{FLAG_SUBJECT_PREFIX} SLA breached: {e.stage} lead not worked in time",
                  "Status": "Not Started",
                  "ActivityDate": (e.breached_at or e.due_at).date().isoformat()}
                 for e in entries if e.owner_id]
        outcomes = []
        for start in range(0, len(tasks), BATCH):
            results = self.api.restful("composite/sobjects", "POST", {"allOrNone": False, "records": tasks[start:start + BATCH]},
                                       "collections.create", NO_ASSIGNMENT)
            outcomes += [_outcome(task["WhoId"], result) for task, result in zip(tasks[start:start + BATCH], results, strict=False)]
        return outcomes + [WriteOutcome(record_id, True) for record_id in clear]


def _outcome(record_id: str, result: dict[str, Any]) -> WriteOutcome:
    if result.get("success"):
        return WriteOutcome(record_id, True)
    errors = result.get("errors") or [{}]
    code = str(errors[0].get("statusCode") or "UNKNOWN")
    return WriteOutcome(record_id, False, code, str(errors[0].get("message") or "")[:500],
                        transient=code == "UNABLE_TO_LOCK_ROW")


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if value else None
