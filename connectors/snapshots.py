"""Read-only ports over the state store's snapshots: the last pulled copy of every record, replayed offline.

`definitions impact` runs the same planning code over these as a sync runs over the live systems, so a
definition change is previewed on exactly the data the last runs saw, with no API call and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from connectors.ports import RawRecord, Snapshot, SnapshotStore, StageEvidence, TimeWindow, WriteOutcome
from mapping.plan import Correction

PAGE = 2_000
Planned = Callable[[Sequence[str]], set[str]]  # of these record ids, those a replay has already planned


def range_ends(count: int, parts: int, page: int, at_least: int = 1) -> list[int]:
    """Where `count` records in order are cut into up to `parts` ranges of whole `page`s, no more than one per
    `at_least` records: the end (exclusive) of each range but the last."""
    pages = -(-count // page)
    parts = max(1, min(parts, count // max(at_least, 1), pages))
    return [end for end in sorted({round(pages * k / parts) * page for k in range(1, parts)}) if 0 < end < count]


class SnapshotReads:
    """The snapshots one replayed page rests on (the page, its partners, its evidence), read from the store once and
    answered again to every definition replayed over the same page; forgotten when the next page is read."""

    def __init__(self, state: SnapshotStore, page: int = PAGE) -> None:
        self.state = state
        self.page = page
        self._by_id: dict[tuple[str, str], Snapshot] = {}
        self._answers: dict[tuple[str, str, tuple[str, ...]], list[Snapshot]] = {}
        self._in_page = False  # outside a page walk nothing is kept (nothing would forget it)

    def pages(self, system: str, planned: Planned | None = None, after: str | None = None,
              through: str | None = None) -> Iterator[list[RawRecord]]:
        """Every snapshot of `system` by record id (those after `after` and up to `through`), a page at a time; with
        `planned`, the ids it names are left out unread (a replay's records already planned as partners: their JSON
        is not decoded a second time)."""
        while True:
            ids, page = self._next_page(system, after, planned, through)
            if not ids:
                break
            self._forget()
            self._in_page = True
            self._remember(page)
            yield [s.record for s in page]
            after = ids[-1]
        self._forget()

    def _next_page(self, system: str, after: str | None, planned: Planned | None,
                   through: str | None) -> tuple[list[str], list[Snapshot]]:
        """The next page's ids (up to `through`), and the snapshots of those `planned` does not name: one read without
        `planned`, the ids first with it (then only the unplanned are decoded)."""
        if planned is None:
            page = [s for s in self.state.snapshot_page(system, after, self.page) if through is None or s.record_id <= through]
            return [s.record_id for s in page], page
        ids = [i for i in self.state.snapshot_ids(system, after, self.page) if through is None or i <= through]
        skip = planned(ids) if ids else set()
        if not skip:
            return ids, self.state.snapshot_page(system, after, len(ids)) if ids else []
        return ids, sorted(self.state.snapshots(system, [i for i in ids if i not in skip]), key=lambda s: s.record_id)

    def by_ids(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]:
        return self._answer("id", system, record_ids, self.state.snapshots)

    def by_emails(self, system: str, emails: Sequence[str]) -> list[Snapshot]:
        return self._answer("email", system, emails, self.state.snapshots_by_email)

    def evidence(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]:
        """The snapshots of these ids in any order (evidence is keyed by id): known ones without a read."""
        known = [s for i in record_ids if (s := self._by_id.get((system, i))) is not None]
        missing = [i for i in record_ids if (system, i) not in self._by_id]
        return known + (self.by_ids(system, missing) if missing else [])

    def _answer(self, kind: str, system: str, values: Sequence[str],
                read: Callable[[str, Sequence[str]], list[Snapshot]]) -> list[Snapshot]:
        key = (kind, system, tuple(values))
        if (found := self._answers.get(key)) is None:
            found = read(system, values)
            if self._in_page:
                self._answers[key] = found
                self._remember(found)
        return found

    def _remember(self, snapshots: Sequence[Snapshot]) -> None:
        if self._in_page:
            self._by_id.update(((s.system, s.record_id), s) for s in snapshots)

    def _forget(self) -> None:
        self._in_page = False
        self._by_id.clear()
        self._answers.clear()


class SnapshotSource:
    """LeadSource and EvidenceSource of one system, from snapshots (the window is ignored: all are replayed).

    Sources sharing one `SnapshotReads` replay the same pages; theirs are read once when they walk them in step."""

    def __init__(self, state: SnapshotStore, system: str, reads: SnapshotReads | None = None) -> None:
        self.state = state
        self.system = system
        self.reads = reads or SnapshotReads(state)

    def count_changed(self, window: TimeWindow) -> int:
        return sum(len(page) for page in self.iter_changed(window))

    def iter_changed(self, window: TimeWindow) -> Iterator[list[RawRecord]]:
        return self.reads.pages(self.system)

    def iter_range(self, after: str | None, through: str | None) -> Iterator[list[RawRecord]]:
        """`iter_changed` of the records after `after` up to `through` (record ids; None: no bound)."""
        return self.reads.pages(self.system, None, after, through)

    def iter_unplanned(self, planned: Planned) -> Iterator[list[RawRecord]]:
        """`iter_changed` without the records `planned` names (they are not read at all)."""
        return self.reads.pages(self.system, planned)

    def read_records(self, record_ids: Sequence[str]) -> list[RawRecord]:
        return [s.record for s in self.reads.by_ids(self.system, record_ids)]

    def find_by_emails(self, emails: Sequence[str]) -> list[RawRecord]:
        return [s.record for s in self.reads.by_emails(self.system, emails)]

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence:
        found = self.reads.evidence(self.system, record_ids)
        return StageEvidence({s.record_id: s.history for s in found}, {s.record_id: s.activities for s in found})


class RefusingWriter:
    """A replay never writes: any attempt is a bug, and says so."""

    system = "replay"

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        raise RuntimeError("a replay writes nothing")

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        raise RuntimeError("a replay reads no live values")
