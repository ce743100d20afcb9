"""The Prefect flows end to end against the sandbox emulators, through the unmodified vendor clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.environment import load_settings
from connectors.errors import RunLockedError
from connectors.store import schema
from connectors.store.sql_state import open_run_state
from flows.deployments.provision_stages import provision_stages
from flows.deployments.revert import revert
from flows.deployments.sla_sweep import sla_sweep
from flows.deployments.sync import sync
from flows.runs.backfill import run_backfill
from flows.runs.sync import run_sync
from flows.wiring import open_services
from sandbox.launch import SandboxHandle
from tests.flows.conftest import POSTGRES, _fresh_postgres

pytestmark = pytest.mark.e2e


def _applied_writes() -> list[tuple[str, str, str]]:
    store = open_run_state(os.environ["LEADSYNC_DATABASE_URL"])
    audit = schema.audit_log.c
    with store.engine.begin() as connection:
        rows = connection.execute(select(audit.system, audit.record_id, audit.field)
                                  .where(audit.kind == "write", audit.status == "applied")).all()
    store.close()
    return [tuple(row) for row in rows]


def _status(world: SandboxHandle, record_id: str) -> object:
    return (world.salesforce.record(record_id) or {}).get("Status")


def test_a_full_cycle_converges_and_never_touches_converted_leads(world: SandboxHandle) -> None:
    converted = {r["Id"]: r["Status"] for r in world.salesforce.records("Lead") if r.get("IsConverted")}
    assert provision_stages(dry_run=False)["added"] == 4

    first = sync(dry_run=False, allow_mass_change=True)
    assert first["status"] == "succeeded" and first["applied"] > 0 and first["failed"] == 0
    assert {record_id: _status(world, record_id) for record_id in converted} == converted
    assert not {record_id for _, record_id, _ in _applied_writes()} & set(converted)

    second = sync(dry_run=False)
    assert second["corrections"] == 0 and second["applied"] == 0


def test_the_blast_radius_guard_blocks_and_the_override_applies(world: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    provision_stages(dry_run=False)
    monkeypatch.setenv("LEADSYNC_MAX_CHANGES", "5")
    state = sync(dry_run=False, return_state=True)
    assert state.is_failed() and "blast-radius" in (state.message or "")
    assert world.salesforce.calls.snapshot().get("sf.collections.update", 0) == 0

    applied = sync(dry_run=False, allow_mass_change=True)
    assert applied["applied"] > 5


def test_revert_restores_the_values_a_run_replaced(world: SandboxHandle) -> None:
    provision_stages(dry_run=False)
    before = {r["Id"]: r["Status"] for r in world.salesforce.records("Lead")}
    run = sync(dry_run=False, allow_mass_change=True)
    changed = {record_id for _, record_id, _ in _applied_writes()}
    assert changed

    assert all("Moved to" in str(world.salesforce.record(i)["Stage_Reason__c"]) for i in changed)

    undone = revert(run_id=run["run_id"])
    assert undone["reverted"] == len(changed) and undone["changed_since"] == 0
    assert {record_id: _status(world, record_id) for record_id in changed} == {i: before[i] for i in changed}
    reverted = [world.salesforce.record(i) for i in changed]
    assert all(str(r["Stage_Reason__c"]).startswith("Stage restored") and not r["SLA_Due__c"] for r in reverted)


def test_an_sla_breach_is_flagged_once_and_cleared_once_the_lead_is_worked(world: SandboxHandle) -> None:
    provision_stages(dry_run=False)
    first = sync(dry_run=False, allow_mass_change=True)
    assert first["new_breaches"] > 0
    flags = [t for t in world.salesforce.records("Task") if str(t.get("Subject", "")).startswith("[leadsync]")]
    assert len(flags) == first["new_breaches"]

    swept = sla_sweep(notify=False)
    assert swept["new_breaches"] == 0
    lead_id = str(flags[0]["WhoId"])
    world.salesforce.add_tasks([{"WhoId": lead_id, "Subject": "Called", "Status": "Completed",
                                 "CreatedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")}])
    worked = sla_sweep(notify=False)
    assert worked["cleared_flags"] == 1 and worked["new_breaches"] == 0


def test_a_backfill_killed_mid_way_resumes_without_writing_anything_twice(world: SandboxHandle, tmp_path: Path) -> None:
    provision_stages(dry_run=False)
    start, end = (datetime.now(UTC) - timedelta(days=45)).date(), (datetime.now(UTC) + timedelta(days=1)).date()
    command = [str(Path(sys.executable).parent / "leadsync"), "backfill", "--start", str(start), "--end", str(end),
               "--apply", "--chunk-days", "3", "--allow-mass-change", "--chunked"]
    process = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = open_run_state(os.environ["LEADSYNC_DATABASE_URL"])
    deadline = time.monotonic() + 120
    while len(store.done_keys("backfill")) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    done_before = len(store.done_keys("backfill"))
    assert done_before >= 2

    _release_stale_locks(store)
    with open_services(load_settings()) as services:
        report = run_backfill(services, start=datetime.combine(start, datetime.min.time(), UTC),
                              end=datetime.combine(end, datetime.min.time(), UTC), as_of=datetime.now(UTC),
                              dry_run=False, chunk=timedelta(days=3), allow_mass_change=True, whole=False)
    assert len(report.skipped_chunks) >= done_before
    writes = Counter(_applied_writes())
    assert writes and max(writes.values()) == 1
    history = Counter(str(h["LeadId"]) for h in world.salesforce.records("LeadHistory")
                      if str(h.get("CreatedById", "")) == world.salesforce.org.api_user_id)
    assert all(count <= 2 for count in history.values())  # seeded entry + at most one correction per lead


def _release_stale_locks(store) -> None:  # type: ignore[no-untyped-def]
    """A SIGKILLed process never releases its lock; the next run takes it over once expired (simulated here)."""
    with store.engine.begin() as connection:
        connection.execute(schema.locks.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))


@pytest.mark.parametrize("backend", ["sqlite", *(["postgresql"] if POSTGRES else [])])
def test_two_concurrent_syncs_never_both_write(world: SandboxHandle, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "postgresql":
        _fresh_postgres().close()
        monkeypatch.setenv("LEADSYNC_DATABASE_URL", str(POSTGRES))
    provision_stages(dry_run=False)
    world.salesforce.set_latency(20)
    outcomes: list[str] = []

    def one_sync() -> None:
        try:
            with open_services(load_settings()) as services:
                outcomes.append(run_sync(services, as_of=datetime.now(UTC), dry_run=False, allow_mass_change=True).status)
        except RunLockedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=one_sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(outcomes) in (["refused", "succeeded"], ["succeeded", "succeeded"])
    writes = Counter(_applied_writes())
    assert writes and max(writes.values()) == 1


def test_credentials_can_come_from_a_prefect_secret_block(world: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    env = world.env()
    secret = {name: value for name, value in env.items() if "SALESFORCE" in name or "HUBSPOT" in name}
    Secret(value=secret).save("leadsync-e2e-credentials", overwrite=True)
    for name in secret:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LEADSYNC_SECRETS_BLOCK", "leadsync-e2e-credentials")

    assert provision_stages(dry_run=True)["to_add"] == 4
