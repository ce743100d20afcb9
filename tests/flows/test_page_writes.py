"""A joined run's pages are written by a process of their own over a shared store (`flows.runs.page_writes`): the
same rows as writing them inline, its failures fail the run, and it does not outlive the run's process."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from connectors.ports import RunState
from connectors.store.sql_state import SqlRunState
from flows.runs import sync
from flows.runs.page_writes import InlinePageWriter, PageWriteError, PageWriter, PageWriterProcess, PendingMarks
from flows.runs.services import CRM, MA
from flows.runs.sync import JOIN, run_sync
from tests.flows.test_full_run_join import NOW, _services, _systems

REPO = Path(__file__).resolve().parents[2]
TABLES = ("run_items", "lead_snapshots", "funnel_records", "funnel_segments", "funnel_reasons")


def _rows(state: SqlRunState, run_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the run's pages wrote, its id and timestamps aside."""
    found = {}
    with state.engine.connect() as c:
        for table in TABLES:
            rows = [tuple(str(v).replace(run_id, "RUN") for k, v in row._mapping.items() if k not in ("observed_at",))
                    for row in c.execute(text(f'SELECT * FROM "{table}"'))]
            found[table] = sorted(rows)
    return found


@contextmanager
def _writers(monkeypatch: pytest.MonkeyPatch, *, inline: bool = False) -> Iterator[list[type]]:
    """Our own seam: which writer each run got; with `inline`, the run's pages written in its process."""
    used: list[type] = []
    original = sync.page_writer

    @contextmanager
    def writer(state: Any, run_id: str, *, own_process: bool) -> Iterator[PageWriter]:
        with original(state, run_id, own_process=own_process and not inline) as made:
            used.append(type(made))
            yield made

    monkeypatch.setattr(sync, "page_writer", writer)
    yield used
    monkeypatch.undo()


def test_a_joined_run_writes_the_same_rows_from_its_writer_process_as_inline(
        shared_state: Callable[[], SqlRunState], monkeypatch: pytest.MonkeyPatch) -> None:
    crm, ma = _systems(1_500)
    state = shared_state()
    with _writers(monkeypatch) as spied:
        applied = run_sync(_services(crm, ma, state, join=True), as_of=NOW, dry_run=False, allow_mass_change=True)
    by_process = _rows(state, applied.run_id)

    other = shared_state()
    with _writers(monkeypatch, inline=True) as used:
        inline = run_sync(_services(*_systems(1_500), other, join=True), as_of=NOW, dry_run=False,
                          allow_mass_change=True)
    assert applied.path == inline.path == JOIN
    assert spied == [PageWriterProcess] and used == [InlinePageWriter]
    assert applied.counts() == inline.counts()
    assert _rows(other, inline.run_id) == by_process
    assert by_process["funnel_segments"] and by_process["lead_snapshots"] and by_process["run_items"]


def test_a_failing_page_write_fails_the_run_with_the_writers_error(shared_state: Callable[[], SqlRunState]) -> None:
    state = shared_state()
    with state.engine.begin() as c:  # the writer's first funnel page will find no table to write to
        c.execute(text('DROP TABLE "funnel_reasons"'))
    crm, ma = _systems(600)
    with pytest.raises(PageWriteError, match="writing a planned page failed: StateStoreError: state save_funnel failed"):
        run_sync(_services(crm, ma, state, join=True), as_of=NOW, dry_run=True)
    assert state.list_runs(1)[0]["status"] == "failed"
    assert not [p for p in multiprocessing.active_children() if p.name == "leadsync-page-writer"]


def test_marks_on_their_way_to_the_store_are_answered_from_memory_until_written(
        make_state: Callable[[], RunState]) -> None:
    state = make_state()
    run_id = state.start_run("sync", {})
    marks = PendingMarks(state, run_id)
    marks.add([(CRM, "00Q1"), (MA, "7")])
    assert marks.among([(CRM, "00Q1"), (CRM, "00Q2")]) == {(CRM, "00Q1")}  # not sent yet
    assert marks.send(1) == [(CRM, "00Q1"), (MA, "7")]
    marks.add([(CRM, "00Q2")])
    assert marks.among([(CRM, "00Q1"), (CRM, "00Q2"), (MA, "8")]) == {(CRM, "00Q1"), (CRM, "00Q2")}
    marks.written(1)  # written, but this store has no pulls marked: what the store says now counts alone
    assert marks.among([(CRM, "00Q1"), (CRM, "00Q2")]) == {(CRM, "00Q2")}


def test_the_writer_process_does_not_outlive_the_run_s_process(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from connectors.store.sql_state import open_run_state
        from flows.runs.page_writes import PageWriterProcess

        if __name__ == "__main__":
            state = open_run_state("sqlite:///{tmp_path}/state.db")
            writer = PageWriterProcess(state, state.shared_url(), "run")
            print(writer._process.pid, flush=True)
            os._exit(0)  # killed mid-run: no close, no abort
    """)
    (tmp_path / "run.py").write_text(script)
    started = subprocess.run([sys.executable, str(tmp_path / "run.py")], capture_output=True, text=True, check=True,
                             timeout=60)
    child = int(started.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")  # a zombie has exited

