"""The production path end to end: a real Prefect server, `prefect deploy --all`, a process worker, and runs started
the way RevOps starts them (the UI's *Custom run*, `prefect deployment run`), checked through the vendor clients."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from simple_salesforce import Salesforce

from tests.production.stack import REPO, Stack, production_stack

pytestmark = pytest.mark.e2e

DEPLOYMENTS = [f"{d['entrypoint'].split(':')[1].replace('_', '-')}/{d['name']}"
               for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]]


def test_deployed_flows_run_on_a_worker_against_a_real_server(tmp_path: Path) -> None:
    began = time.monotonic()
    with production_stack(tmp_path) as stack:
        ready = time.monotonic()
        listing = stack.prefect("deployment", "ls")
        assert all(name in listing for name in DEPLOYMENTS), listing
        assert len(DEPLOYMENTS) == 8
        _bad_parameters_are_refused_before_any_worker_sees_them(stack)

        salesforce = _salesforce(stack.sandbox_env)
        before = _statuses(salesforce)
        backfill = _custom_run(stack, "backfill/backfill", {
            "start": (datetime.now(UTC) - timedelta(days=60)).date().isoformat(),
            "end": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "systems": ["salesforce", "hubspot"], "dry_run": False, "chunk_days": 30, "allow_mass_change": True})
        _completed(stack, backfill)
        changed = {lead for lead, status in _statuses(salesforce).items() if before.get(lead) != status}
        assert len(changed) > 10, "the backfill changed no Lead Status in the org"
        assert _artifact_kinds(stack, backfill) >= {("backfill-progress", "progress"), ("backfill-summary", "markdown"),
                                                     ("backfill-corrections", "table")}

        _end_before_start_fails_fast_on_the_worker(stack)

        sync = _cli_run(stack, "sync/sync")
        result = _completed(stack, sync)
        assert ("sync-summary", "markdown") in _artifact_kinds(stack, sync)
        assert "CHANGED" not in str(result["state"].get("message"))

        report = _cli_run(stack, "report/report", "-p", "days=30", "-p", f"out_dir={tmp_path / 'report'}")
        _completed(stack, report)
        assert ("leadsync-report", "markdown") in _artifact_kinds(stack, report)
        assert (tmp_path / "report" / "report.html").read_text().startswith("<!doctype html>")
        _the_sync_schedule_pauses_and_resumes(stack)
        assert not set(stack.sandbox_env.values()) & set(stack.worker_env.values()), "credentials in the worker's env"
        print(f"\nproduction path on {stack.database}: stack up in {ready - began:.1f} s, "
              f"runs and checks {time.monotonic() - ready:.1f} s; {len(changed)} leads corrected by the backfill")


def _bad_parameters_are_refused_before_any_worker_sees_them(stack: Stack) -> None:
    deployment = stack.deployment_id("backfill/backfill")
    good = {"start": "2026-09-01", "end": "2026-12-01"}
    with stack.api() as client:
        for bad, field in (({"start": "not-a-date"}, "start"), ({"end": "12/01/2026"}, "end"), ({"chunk_days": 0}, "chunk_days")):
            answer = client.post(f"/deployments/{deployment}/create_flow_run", json={"parameters": {**good, **bad}})
            assert answer.status_code == 409, answer.text
            detail = answer.json()["detail"]
            assert f"Validation failed for field '{field}'" in detail, detail
        created = client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment]}}}).json()
    assert created == []
    with pytest.raises(AssertionError, match="Validation failed for field 'start'"):
        stack.prefect("deployment", "run", "backfill/backfill", "-p", "start=not-a-date", "-p", "end=2026-12-01")


def _end_before_start_fails_fast_on_the_worker(stack: Stack) -> None:
    run = _cli_run(stack, "backfill/backfill", "-p", "start=2026-09-01", "-p", "end=2026-08-01", "-p", "dry_run=false")
    began = time.monotonic()
    ended = stack.wait_for_run(run, timeout=180)
    assert ended["state"]["type"] == "FAILED", ended["state"]
    message = f"{ended['state'].get('message')}\n{stack.run_logs(run)}"
    assert "end (2026-08-01T00:00:00+00:00) must be after start (2026-09-01T00:00:00+00:00)" in message, message
    assert time.monotonic() - began < 120


def _the_sync_schedule_pauses_and_resumes(stack: Stack) -> None:
    listing = stack.prefect("deployment", "schedule", "ls", "sync/sync")
    schedule = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", listing)
    assert schedule, listing
    stack.prefect("deployment", "schedule", "resume", "sync/sync", schedule.group(0))
    assert _schedules_active(stack, "sync/sync") == [True]
    stack.prefect("deployment", "schedule", "pause", "sync/sync", schedule.group(0))
    assert _schedules_active(stack, "sync/sync") == [False]


def _schedules_active(stack: Stack, deployment: str) -> list[bool]:
    with stack.api() as client:
        return [s["active"] for s in client.get(f"/deployments/name/{deployment}").json()["schedules"]]


def _custom_run(stack: Stack, deployment: str, parameters: dict[str, Any]) -> str:
    """What the UI's Run → Custom run submits: a flow run created from the deployment with the form's parameters."""
    with stack.api() as client:
        answer = client.post(f"/deployments/{stack.deployment_id(deployment)}/create_flow_run",
                             json={"parameters": parameters, "state": {"type": "SCHEDULED", "message": "Custom run"}})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _cli_run(stack: Stack, deployment: str, *options: str) -> str:
    output = stack.prefect("deployment", "run", deployment, *options)
    found = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert found, output
    return found.group(1)


def _completed(stack: Stack, flow_run_id: str) -> dict[str, Any]:
    run = stack.wait_for_run(flow_run_id)
    if run["state"]["type"] != "COMPLETED":
        raise AssertionError(f"{run['name']} ended {run['state']}\n{stack.run_logs(flow_run_id)}\n{stack.log_tail('worker')}")
    return run


def _artifact_kinds(stack: Stack, flow_run_id: str) -> set[tuple[str, str]]:
    return {(a["key"], a["type"]) for a in stack.artifacts(flow_run_id) if a.get("key")}


def _salesforce(env: dict[str, str]) -> Salesforce:
    """The org as simple-salesforce sees it (the sandbox's CA trusted explicitly, not through REQUESTS_CA_BUNDLE)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = env["LEADSYNC_SALESFORCE_CA_BUNDLE"]
    return Salesforce(instance_url=env["LEADSYNC_SALESFORCE_INSTANCE_URL"],
                      session_id=env["LEADSYNC_SALESFORCE_SESSION_ID"], session=session)


def _statuses(salesforce: Salesforce) -> dict[str, str]:
    return {row["Id"]: row["Status"] for row in salesforce.query_all("SELECT Id, Status FROM Lead")["records"]}
