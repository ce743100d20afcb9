"""`definitions impact` replays both definitions page by page in step: each snapshot page, its partners and its
evidence are read from the store once, definitions that read records alike pair each page once, records planned as
partners are not read again, and the outcomes are exactly those of two separate replays."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.fakes.state import FakeRunState
from connectors.fakes.system import FakeSystem
from connectors.ports import Snapshot
from connectors.settings import RunSettings
from connectors.snapshots import SnapshotReads
from connectors.store.sql_state import SqlRunState, open_run_state
from flows.runs.batches import reads_alike
from flows.runs.impact import replay, replay_together, run_impact, snapshot_services
from flows.runs.services import Services, SystemPorts
from flows.runs.sync import run_sync
from mapping.definition.compiled import compile_definition
from mapping.definition.parse import parse_definition
from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS
from tests.factories import at, compiled, hs_contact, sf_lead, sources
from tests.flows.test_explain_and_impact import AS_OF, _stricter

PEOPLE = 7


@dataclass
class CountingState(FakeRunState):
    """The fake state store, counting the snapshot reads a replay asks of it."""

    reads: Counter[str] = field(default_factory=Counter)
    records_read: Counter[tuple[str, str]] = field(default_factory=Counter)  # snapshots decoded, by record

    def snapshot_page(self, system: str, after: str | None, size: int) -> list[Snapshot]:
        self.reads["page"] += 1
        return self._counted(super().snapshot_page(system, after, size))

    def snapshots(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]:
        self.reads["by_id"] += 1
        return self._counted(super().snapshots(system, record_ids))

    def snapshots_by_email(self, system: str, emails: Sequence[str]) -> list[Snapshot]:
        self.reads["by_email"] += 1
        return self._counted(super().snapshots_by_email(system, emails))

    def _counted(self, found: list[Snapshot]) -> list[Snapshot]:
        self.records_read.update((s.system, s.record_id) for s in found)
        return found


def _people() -> tuple[FakeSystem, FakeSystem]:
    crm, ma = FakeSystem("salesforce"), FakeSystem("hubspot")
    for n in range(PEOPLE):
        _load_lead(crm, f"00Q{n:015d}", "Open - Not Contacted", f"p{n}@example.com", at(2))
        ma.load([hs_contact(str(900 + n), "marketingqualifiedlead", f"p{n}@example.com", score=40 + 5 * n,
                            entered=at(3))])
    return crm, ma


def _load_lead(crm: FakeSystem, record_id: str, status: str, email: str, entered: datetime) -> None:
    record, history = sf_lead(record_id, status, email, entered=entered)
    crm.load([record])
    crm.history[record["Id"]] = history


def _sync_into(state: FakeRunState | SqlRunState, crm: FakeSystem, ma: FakeSystem) -> None:
    ports = {name: SystemPorts(source=s, writer=s, picklist=s, evidence=s, flags=s) for name, s in
             (("salesforce", crm), ("hubspot", ma))}
    run_sync(Services(compiled(), ports, state, RunSettings()), as_of=AS_OF, dry_run=True)


def _synced() -> CountingState:
    crm, ma = _people()
    ma.load([hs_contact("990", "lead", "alone@example.com", score=80, entered=at(3),
                        lastmodifieddate="2026-11-03T12:00:00Z")])
    state = CountingState()
    _sync_into(state, crm, ma)
    state.reads.clear()
    state.records_read.clear()
    return state


def _raw_warm_hot() -> Any:
    return compile_definition(parse_definition(sources(EXAMPLE_DEFINITIONS / "raw-warm-hot")))


@pytest.mark.parametrize("proposed", ["raised threshold", "other vocabulary"])
def test_replaying_in_step_gives_the_outcomes_of_separate_replays(proposed: str, tmp_path: Path) -> None:
    state = _synced()
    new = _stricter(tmp_path, 60) if proposed == "raised threshold" else _raw_warm_hot()
    old, settings = compiled(), RunSettings()
    assert reads_alike(old, new) == (proposed == "raised threshold")

    alone = [replay(snapshot_services(state, settings, d), AS_OF) for d in (old, new)]
    reads = SnapshotReads(state)
    together = replay_together([snapshot_services(state, settings, d, reads) for d in (old, new)], AS_OF)

    assert [r.outcomes for r in together] == [r.outcomes for r in alone]
    assert [r.links for r in together] == [r.links for r in alone]
    assert len(together[0].outcomes) >= PEOPLE


def _synced_sqlite(tmp_path: Path) -> SqlRunState:
    """The people of `_synced` and a duplicate of the first lead (same email), last in id order, in a SQLite store."""
    crm, ma = _people()
    _load_lead(crm, "00Q999999999999999", "Working - Contacted", "p0@example.com", at(4))
    state = open_run_state(f"sqlite:///{tmp_path}/state.db")
    _sync_into(state, crm, ma)
    return state


@pytest.mark.parametrize("parts", [2, 3])
def test_ranges_replayed_side_by_side_plan_what_one_replay_plans(parts: int, tmp_path: Path) -> None:
    state = _synced_sqlite(tmp_path)
    definitions = [compiled(), _stricter(tmp_path, 60)]
    reads = SnapshotReads(state, page=2)  # pages of two: the twins are on different pages of different ranges
    one = replay_together([snapshot_services(state, RunSettings(), d, reads) for d in definitions], AS_OF, parts=1)
    side_by_side = replay_together([snapshot_services(state, RunSettings(), d, reads) for d in definitions], AS_OF,
                                   parts=parts)

    assert len(state.snapshot_cuts("salesforce", parts, 2)) == parts - 1
    assert [r.outcomes for r in side_by_side] == [r.outcomes for r in one]
    assert [r.links for r in side_by_side] == [r.links for r in one]
    assert one[0].outcomes != one[1].outcomes  # the raised threshold changes someone: both definitions were planned
    assert ("salesforce", "00Q999999999999999") not in one[0].outcomes  # its contact is paired with the first twin
    state.close()


def test_a_range_that_fails_fails_the_replay(tmp_path: Path) -> None:
    state = _synced_sqlite(tmp_path)
    broken = state.snapshots("salesforce", ["00Q999999999999999"])[0]
    state.save_snapshots([replace(broken, record=["not", "a", "record"])])  # type: ignore[arg-type]

    with pytest.raises(AttributeError):  # raised in the last range's process, reaching the caller
        replay_together([snapshot_services(state, RunSettings(), compiled(), SnapshotReads(state, 2))], AS_OF, parts=2)
    state.close()


def test_impact_reads_each_page_and_its_lookups_once_for_both_definitions(tmp_path: Path) -> None:
    state = _synced()
    run_impact(state, RunSettings(), compiled(), compiled(), as_of=AS_OF, record=False)
    in_step = Counter(state.reads)
    state.reads.clear()
    for _ in range(2):
        replay(snapshot_services(state, RunSettings(), compiled()), AS_OF)

    assert in_step["page"] == state.reads["page"] // 2  # one walk of the pages, not one per definition
    assert sum(in_step.values()) < sum(state.reads.values()) / 2 + 1
    assert in_step["by_id"] <= state.reads["by_id"] // 2  # evidence of the page's leads: known, not read again


def test_contacts_planned_as_partners_are_not_read_again_on_hubspot_pages() -> None:
    state = _synced()
    replay(snapshot_services(state, RunSettings(), compiled()), AS_OF)

    contacts = {key: n for key, n in state.records_read.items() if key[0] == "hubspot"}
    assert contacts == {("hubspot", str(900 + n)): 1 for n in range(PEOPLE)} | {("hubspot", "990"): 1}


def test_reads_outside_a_page_walk_are_not_kept() -> None:
    state = _synced()
    reads = SnapshotReads(state)
    ids = [f"00Q{n:015d}" for n in range(PEOPLE)]
    first = reads.by_ids("salesforce", ids)
    again = reads.by_ids("salesforce", ids)
    assert [s.record_id for s in first] == [s.record_id for s in again] == ids
    assert state.reads["by_id"] == 2  # nothing kept: nothing would forget it
    assert {s.record_id for s in reads.evidence("salesforce", ids)} == set(ids)


def test_default_definitions_are_read_alike_by_a_copy() -> None:
    assert reads_alike(compiled(), compile_definition(parse_definition(sources(DEFAULT_DEFINITIONS))))
