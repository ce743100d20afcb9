"""The close-the-loop report from the state store, and prefect.yaml: entrypoints import, schemas generate."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from prefect.utilities.callables import parameter_schema

from flows.render.report import render_report_html, render_report_markdown
from flows.runs.report import gather
from flows.runs.sync import run_sync
from tests.conftest import REPO
from tests.flows.test_sync_run import AS_OF, _world


def test_report_covers_corrections_sla_violations_and_duplicates(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=3)
    crm.load([{**crm.records["00Q000000000000000"], "Id": "00Q000000000000099"}])  # a second lead, same email
    run_sync(services, as_of=AS_OF, dry_run=False)

    data = gather(services, as_of=AS_OF, days=7)
    markdown = render_report_markdown(services, data)
    page = render_report_html(services, data)

    assert "| marketing_evidence | 2 |" in markdown
    assert "## SLA compliance by stage" in markdown and "Marketing Qualified Lead" in markdown
    assert "p0@example.com" in markdown  # the duplicate
    assert page.startswith("<!doctype html>") and "<svg" in page and "<script" not in page


def test_the_report_shows_owners_by_name_with_the_id_beside(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=3)
    crm.owners["005000000000001AAA"] = "Ada Lovelace"
    crm.records["00Q000000000000002"]["OwnerId"] = "005000000000009AAA"  # a user the org no longer shows
    run_sync(services, as_of=AS_OF, dry_run=False)

    data = gather(services, as_of=AS_OF, days=7)
    markdown = render_report_markdown(services, data)
    page = render_report_html(services, data)

    owners = markdown.split("## SLA compliance by owner")[1].split("##")[0]
    assert "| Ada Lovelace (005000000000001AAA) | 0 | 0 | 2 | 0% |" in owners
    assert "| 005000000000009AAA | 0 | 0 | 1 | 0% |" in owners  # nobody could name it: the id, no crash
    assert "<td>Ada Lovelace (005000000000001AAA)</td>" in page
    assert crm.calls["owners"] == 1  # one batched read for both owners
    gather(services, as_of=AS_OF, days=7)
    assert crm.calls["owners"] == 1  # then the state store's cache


def _deployments() -> list[dict]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]


def test_every_deployment_entrypoint_imports_and_its_parameters_generate_a_schema() -> None:
    for deployment in _deployments():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
        flow = getattr(module, name)
        schema = parameter_schema(flow.fn).model_dump()
        for parameter in deployment.get("parameters", {}):
            assert parameter in schema["properties"], (deployment["name"], parameter)
        assert deployment["enforce_parameter_schema"] is True
        if deployment["name"] == "backfill-slice":  # a fanned-out backfill's slices run side by side
            assert "concurrency_limit" not in deployment
        else:
            assert deployment["concurrency_limit"]["limit"] == 1


def test_scheduled_deployments_are_the_sync_sweep_and_report() -> None:
    scheduled = {d["name"]: d["schedules"][0]["cron"] for d in _deployments() if d.get("schedules")}
    assert scheduled == {"sync": "*/15 * * * *", "sla-sweep": "5 * * * *", "report": "0 7 * * 1"}


def test_backfill_parameters_are_typed_and_bounded() -> None:
    from flows.deployments.backfill import backfill

    schema = parameter_schema(backfill.fn).model_dump()
    assert set(schema["required"]) == {"start", "end"}
    chunk = schema["properties"]["chunk_days"]
    assert (chunk["minimum"], chunk["maximum"]) == (1, 90)
