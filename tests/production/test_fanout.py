"""A wide backfill fanned out over three worker processes of a real Prefect server (PostgreSQL behind the server and
the state store when CI has one): every slice a flow run, the org converged, nothing written twice, no 429."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.store.sql_state import open_run_state
from flows.runs.backfill import run_backfill
from flows.wiring import open_services
from tests.production.stack import REPO, Stack, production_stack
from tests.production.test_server_and_worker import _completed, _custom_run, _salesforce, _statuses
from tests.reliability.world import settings_from

pytestmark = pytest.mark.e2e

WORKERS, SLICES = 3, 3


def test_a_backfill_fanned_out_over_three_workers_converges_with_no_write_twice_and_no_429(tmp_path: Path) -> None:
    # Two runs at a time per worker: the parent and its three slices need more than one worker.
    with production_stack(tmp_path, workers=WORKERS, runs_per_worker=2) as stack:
        now = datetime.now(UTC)
        start, end = now - timedelta(days=90), now + timedelta(days=1)
        salesforce = _salesforce(stack.sandbox_env)
        before = _statuses(salesforce)
        parent = _custom_run(stack, "backfill/backfill", {
            "start": start.date().isoformat(), "end": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "dry_run": False,
            "chunk_days": 30, "allow_mass_change": True, "slices": SLICES})
        _completed(stack, parent)

        slices = _runs_of(stack, "backfill/backfill-slice")
        assert len(slices) == SLICES and all(run["state"]["type"] == "COMPLETED" for run in slices), slices
        assert len(_workers_that_ran(stack, [run["id"] for run in slices])) >= 2, "one worker ran every slice"
        assert '"backfill-progress"' in json.dumps([a["key"] for a in stack.artifacts(parent)])

        changed = {lead for lead, status in _statuses(salesforce).items() if before.get(lead) != status}
        assert len(changed) > 10, "the fanned-out backfill changed no Lead Status"
        applied = _applied_writes(stack.worker_env["LEADSYNC_DATABASE_URL"])
        assert applied and max(applied.values()) == 1, [w for w, n in applied.items() if n > 1][:5]
        assert _refused(stack) == {}, "a worker went past HubSpot's limits"
        assert _planned_by_one_process(stack, tmp_path, start, end) == 0, "the org is not where one run leaves it"


def _runs_of(stack: Stack, deployment: str) -> list[dict[str, Any]]:
    with stack.api() as client:
        answer = client.post("/flow_runs/filter", json={
            "flow_runs": {"deployment_id": {"any_": [stack.deployment_id(deployment)]}}, "limit": 50})
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def _workers_that_ran(stack: Stack, flow_run_ids: list[str]) -> set[str]:
    """The worker processes whose log shows them starting one of these flow runs."""
    logs = {name: stack.log_tail(name, size=2_000_000) for name in stack.processes if name.startswith("worker")}
    return {name for name, text in logs.items() if any(run_id in text for run_id in flow_run_ids)}


def _applied_writes(state_url: str) -> Counter[tuple[str, str, str, int, str | None]]:
    """How often each (system, record, field, step, value) was written, as the state store's audit records it."""
    state = open_run_state(state_url)
    try:
        return Counter((row["system"], row["record_id"], row["field"], row["step"], row["after"])
                       for row in state.list_audit("applied", 1_000_000))
    finally:
        state.close()


def _refused(stack: Stack) -> dict[str, int]:
    with urllib.request.urlopen(stack.sandbox_env["LEADSYNC_HUBSPOT_BASE_URL"] + "/__sandbox/calls") as answer:
        return dict(json.load(answer)["refused"])


def _planned_by_one_process(stack: Stack, tmp_path: Path, start: datetime, end: datetime) -> int:
    """Corrections a plain single-process backfill of the same range would still make (dry run, its own state)."""
    settings = settings_from({**stack.sandbox_env, "LEADSYNC_DATABASE_URL": f"sqlite:///{tmp_path}/one-process.db",
                              "LEADSYNC_DEFINITIONS": str(REPO / "definitions"), "LEADSYNC_BUDGET_SHARE": "1.0"})
    with open_services(settings) as services:
        report = run_backfill(services, start=start, end=min(end, datetime.now(UTC)), as_of=datetime.now(UTC),
                              dry_run=True, chunk=timedelta(days=30), allow_mass_change=True)
    return report.corrections
