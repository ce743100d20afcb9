"""Verify before write, unknown outcomes, concurrent writers and dead lock holders, over every state store."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import RunLockedError
from connectors.store.sql_state import open_run_state
from flows.runs.locks import WRITES_LOCK, waiting_lock
from flows.runs.sync import run_sync
from tests.flows.conftest import BACKENDS, _fresh_postgres, audit_statuses
from tests.flows.test_sync_run import AS_OF, _world


def _editing_before_apply(crm: Any, record_id: str, value: str) -> Callable[[str, Callable[[], Any]], Any]:
    """A batch hook that plays a CRM user changing one lead after our read and before our write."""

    def hook(name: str, thunk: Callable[[], Any]) -> Any:
        if name == "apply-salesforce":
            crm.records[record_id]["Status"] = value
        return thunk()

    return hook


def test_a_lead_edited_by_a_user_after_our_read_is_not_overwritten(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=3)
    edited = "00Q000000000000001"
    report = run_sync(services, as_of=AS_OF, dry_run=False,
                      batch_hook=_editing_before_apply(crm, edited, "Working - Contacted"))

    result = report.applied["salesforce"]
    assert crm.records[edited]["Status"] == "Working - Contacted"  # the user's value stands
    assert [(c.record_id, found) for c, found in result.stale] == [(edited, "Working - Contacted")]
    assert result.applied == 2 and [r for r, _, _ in crm.writes] == ["00Q000000000000000", "00Q000000000000002"]
    assert sorted(audit_statuses(state)) == ["applied", "applied", "stale"]


def test_a_value_already_in_place_is_not_written_again(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=2)
    report = run_sync(services, as_of=AS_OF, dry_run=False,
                      batch_hook=_editing_before_apply(crm, "00Q000000000000000", "Marketing Qualified"))

    assert report.applied["salesforce"].held == 1 and report.applied["salesforce"].applied == 1
    assert [r for r, _, _ in crm.writes] == ["00Q000000000000001"]
    assert sorted(audit_statuses(state)) == ["applied", "held"]


@pytest.mark.parametrize("lost", ["applied", "dropped"])
def test_a_write_without_an_answer_is_read_back_before_it_is_sent_again(make_state: Callable[[], Any], lost: str) -> None:
    services, crm, _, state = _world(make_state, people=2, write_settle_s=0)
    crm.unanswered[lost] = 1
    report = run_sync(services, as_of=AS_OF, dry_run=False)

    result = report.applied["salesforce"]
    assert {crm.records[f"00Q{n:015d}"]["Status"] for n in range(2)} == {"Marketing Qualified"}
    assert len(crm.writes) == 2  # carried out once each, whichever way the answer was lost
    assert result.resent == (2 if lost == "dropped" else 0)
    assert result.applied == 2 and audit_statuses(state) == ["applied", "applied"]


def test_two_runs_take_turns_to_write(make_state: Callable[[], Any]) -> None:
    state = make_state()
    order: list[str] = []
    first_in = threading.Event()

    def writer(name: str, hold_s: float) -> None:
        with waiting_lock(state, WRITES_LOCK, name, timedelta(minutes=5), wait_s=10):
            order.append(f"{name}+")
            first_in.set()
            threading.Event().wait(hold_s)
            order.append(f"{name}-")

    one = threading.Thread(target=writer, args=("one", 0.3))
    one.start()
    first_in.wait(5)
    writer("two", 0)
    one.join()
    assert order == ["one+", "one-", "two+", "two-"]
    with (waiting_lock(state, WRITES_LOCK, "three", timedelta(minutes=5), wait_s=0), pytest.raises(RunLockedError),
          waiting_lock(state, WRITES_LOCK, "four", timedelta(minutes=5), wait_s=0.2)):
        pass


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "memory"])  # memory cannot outlive a process
def test_a_lock_whose_holder_process_died_is_taken_over_at_once(backend: str, tmp_path: Path) -> None:
    state = open_run_state(f"sqlite:///{tmp_path}/state.db") if backend == "sqlite" else _fresh_postgres()
    url = state.engine.url.render_as_string(hide_password=False)
    script = ("import sys, os, signal\nfrom datetime import timedelta\nfrom connectors.store.sql_state import open_run_state\n"
              "s = open_run_state(sys.argv[1])\ns.lock('sync', 'crashed-run', timedelta(minutes=5)).__enter__()\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    died = subprocess.run([sys.executable, "-c", script, url], env=os.environ.copy(), check=False, timeout=60)
    assert died.returncode == -9
    with state.lock("sync", "next-run", timedelta(minutes=5)):
        pass  # no RunLockedError: the holder is gone, its five-minute lease need not run out
    state.close()


def test_a_write_that_never_gets_an_answer_is_given_up_after_three_sends_and_the_next_run_writes_it(
        make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=1, write_settle_s=0)
    crm.unanswered["dropped"] = 3
    first = run_sync(services, as_of=AS_OF, dry_run=False)

    assert [(o.code, c.record_id) for c, o in first.applied["salesforce"].failed] == [
        ("OUTCOME_UNKNOWN", "00Q000000000000000")]
    assert crm.calls["write"] == 3 and crm.writes == []
    second = run_sync(services, as_of=AS_OF.replace(hour=16), dry_run=False)
    assert second.applied["salesforce"].applied == 1 and len(crm.writes) == 1
    assert sorted(audit_statuses(state)) == ["applied", "failed"]
