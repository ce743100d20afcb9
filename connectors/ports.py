"""The ports: small Protocols each connector implements (Salesforce, HubSpot, and the in-memory fakes).

Every signature is batch- or stream-shaped, so a per-record API call cannot be written by accident.
Raw records travel as the vendor returns them; `mapping.normalize` turns them into canonical leads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from mapping.plan import Correction
from mapping.sla import SlaEntry
from mapping.stage_diff import PicklistValue, StageDiff

RawRecord = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """[start, end) on the system's modification timestamp (UTC)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What happened to one record of a batch write; failures carry the vendor's code and message."""

    record_id: str
    ok: bool
    code: str | None = None
    message: str | None = None
    transient: bool = False


@dataclass(frozen=True, slots=True)
class StageEvidence:
    """Stage history and logged work for a set of leads, keyed by record id."""

    history: Mapping[str, list[RawRecord]] = field(default_factory=dict)
    activities: Mapping[str, list[RawRecord]] = field(default_factory=dict)


class LeadSource(Protocol):
    """Pulls changed records of one system, page by page (never the whole window in memory)."""

    system: str

    def count_changed(self, window: TimeWindow) -> int: ...

    def iter_changed(self, window: TimeWindow) -> Iterator[list[RawRecord]]: ...

    def read_records(self, record_ids: Sequence[str]) -> list[RawRecord]: ...

    def find_by_emails(self, emails: Sequence[str]) -> list[RawRecord]:
        """Records whose email is one of `emails` (normalized), in batched calls: finds a changed lead's partner."""
        ...


class EvidenceSource(Protocol):
    """Reads stage history and work evidence for many records in batched queries."""

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence: ...


class StageWriter(Protocol):
    """Applies stage corrections in batches and reads back what the system now holds."""

    system: str

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]: ...

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]: ...


class PicklistAdmin(Protocol):
    """Reads and extends the list of stage values a field accepts (whole-list updates keep every value)."""

    def read_picklist(self, field: str) -> list[PicklistValue]: ...

    def add_picklist_values(self, diff: StageDiff) -> WriteOutcome: ...


class SlaFlagWriter(Protocol):
    """Writes SLA breach flags (fields and/or owner tasks) and clears them when a lead is worked."""

    def write_sla_flags(self, entries: Sequence[SlaEntry], clear: Sequence[str]) -> list[WriteOutcome]: ...
