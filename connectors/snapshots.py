"""Read-only ports over the state store's snapshots: the last pulled copy of every record, replayed offline.

`definitions impact` runs the same planning code over these as a sync runs over the live systems, so a
definition change is previewed on exactly the data the last runs saw, with no API call and nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from connectors.ports import RawRecord, Snapshot, SnapshotStore, StageEvidence, TimeWindow, WriteOutcome
from mapping.plan import Correction

PAGE = 2_000


class SnapshotSource:
    """LeadSource and EvidenceSource of one system, from snapshots (the window is ignored: all are replayed)."""

    def __init__(self, state: SnapshotStore, system: str) -> None:
        self.state = state
        self.system = system

    def count_changed(self, window: TimeWindow) -> int:
        return sum(len(page) for page in self.iter_changed(window))

    def iter_changed(self, window: TimeWindow) -> Iterator[list[RawRecord]]:
        after: str | None = None
        while page := self.state.snapshot_page(self.system, after, PAGE):
            yield [s.record for s in page]
            after = page[-1].record_id

    def read_records(self, record_ids: Sequence[str]) -> list[RawRecord]:
        return [s.record for s in self.state.snapshots(self.system, record_ids)]

    def find_by_emails(self, emails: Sequence[str]) -> list[RawRecord]:
        return [s.record for s in self.state.snapshots_by_email(self.system, emails)]

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence:
        found: list[Snapshot] = self.state.snapshots(self.system, record_ids)
        return StageEvidence({s.record_id: s.history for s in found}, {s.record_id: s.activities for s in found})


class RefusingWriter:
    """A replay never writes: any attempt is a bug, and says so."""

    system = "replay"

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        raise RuntimeError("a replay writes nothing")

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        raise RuntimeError("a replay reads no live values")
