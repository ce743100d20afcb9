"""The Prefect UI of a real server, as RevOps uses it: the deployments, a backfill started from *Custom run*, and the
corrections it published as an artifact.

Console errors on these pages are recorded (`.leadsync/screenshots/console.txt`) but not asserted: offline, the
default (React, `/v2`) UI logs harmless ones — its analytics config (sr-client-cfg.amplitude.com) cannot resolve;
/favicon.ico, /completed.svg and /favicon-*.png answer 404; the artifact page asks /api/task_runs/filter for the
empty task-run id of a flow-level artifact (422); the flow-run graph sometimes throws "Cannot read properties of
null (reading 'x')" while the page is left.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.production.stack import REPO, Stack, production_stack

pytestmark = pytest.mark.browser

DEPLOYMENTS = tuple(d["name"] for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"])
BACKFILL_FIELDS = ("start", "end", "systems", "dry_run", "chunk_days")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with production_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.mark.usefixtures("console")
def test_deployments_page_lists_every_deployment(stack: Stack, page: Page, screenshots: Path) -> None:
    page.goto(stack.ui_url)  # the neutral entry point: the server redirects to its default UI
    page.get_by_role("link", name="Deployments", exact=True).click()
    expect(page).to_have_url(re.compile(r"/deployments\b"))
    expect(page.get_by_text(f"{len(DEPLOYMENTS)} Deployments", exact=True)).to_be_visible()
    for name in DEPLOYMENTS:
        expect(page.get_by_role("link", name=name, exact=True).first).to_be_visible()
    _until_no_deployment_is_not_ready(page)
    expect(page.get_by_text("Ready", exact=True)).to_have_count(len(DEPLOYMENTS))
    page.screenshot(path=screenshots / "deployments.png", full_page=True)


@pytest.mark.usefixtures("console")
def test_backfill_custom_run_applies_and_shows_its_corrections(stack: Stack, page: Page, screenshots: Path) -> None:
    page.goto(stack.ui_url)
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_role("link", name="backfill", exact=True).first.click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Custom run").click()

    _form_shows_the_typed_parameters(page, _parameter_schema(stack, "backfill/backfill"))
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=59), today + timedelta(days=1)  # two chunks of 30 days
    _pick_date(page, "start", start)
    _pick_date(page, "end", end)
    page.get_by_role("switch", name="dry_run (Optional)").set_checked(False)
    page.get_by_role("spinbutton", name="chunk_days (Optional)").fill("30")
    # The first apply on the seeded sandbox can exceed the blast-radius guard, which would hold every write back.
    page.get_by_role("switch", name="allow_mass_change (Optional)").set_checked(True)
    page.screenshot(path=screenshots / "custom-run-form.png", full_page=True)

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/create_flow_run")) as answer:
        page.get_by_role("button", name="Submit", exact=True).click()
    assert answer.value.status == 201, answer.value.text()
    created = answer.value.json()
    sent = created["parameters"]
    expected = {"start": f"{start.isoformat()}T00:00:00", "end": f"{end.isoformat()}T00:00:00", "dry_run": False,
                "chunk_days": 30, "allow_mass_change": True, "systems": ["salesforce", "hubspot"]}
    assert expected.items() <= (sent | {"start": sent["start"][:19], "end": sent["end"][:19]}).items(), sent

    run = stack.wait_for_run(created["id"])
    assert run["state"]["type"] == "COMPLETED", f"{run['state']}\n{stack.run_logs(created['id'])}"
    table = _corrections_applied(stack, created["id"])

    page.reload()  # the deployment page the form returned to, now listing the finished run
    page.get_by_role("link", name=created["name"], exact=True).first.click()
    expect(page.get_by_text("Completed", exact=True).first).to_be_visible()
    page.get_by_role("tab", name="Artifacts", exact=True).click()
    card = page.get_by_role("link").filter(has_text="backfill-corrections")
    expect(card).to_be_visible()
    expect(card).to_contain_text("table", ignore_case=True)
    page.screenshot(path=screenshots / "flow-run-artifacts.png", full_page=True)

    card.click()  # the key's history, then this run's version of it
    page.get_by_role("link", name=table["id"][:8], exact=True).click()
    expect(page.get_by_role("columnheader", name="record")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=re.compile("|".join(table["records"])))
    expect(row.first).to_be_visible()
    expect(row.first).to_contain_text("Status")
    page.screenshot(path=screenshots / "corrections-table.png", full_page=True)


def _until_no_deployment_is_not_ready(page: Page, timeout: float = 120) -> None:
    """A deployment is Ready once a worker polls its pool; the worker was only just started with the stack."""
    deadline = time.monotonic() + timeout
    while page.get_by_text("Not Ready", exact=True).count() and time.monotonic() < deadline:
        page.wait_for_timeout(2_000)
        page.reload()
        expect(page.get_by_role("link", name=DEPLOYMENTS[0], exact=True).first).to_be_visible()


def _parameter_schema(stack: Stack, deployment: str) -> dict[str, Any]:
    with stack.api() as client:
        answer = client.get(f"/deployments/{stack.deployment_id(deployment)}")
    answer.raise_for_status()
    return dict(answer.json()["parameter_openapi_schema"]["properties"])


def _form_shows_the_typed_parameters(page: Page, schema: dict[str, Any]) -> None:
    """Each field with the description the flow's docstring gives it, in a widget of its type."""
    for name in BACKFILL_FIELDS:
        expect(page.get_by_text(re.compile(rf"^{name}( \(Optional\))?$"))).to_be_visible()
        expect(page.get_by_text(schema[name]["description"], exact=True)).to_be_visible()
    assert schema["start"]["description"].startswith("First instant to cover"), schema["start"]
    assert schema["chunk_days"]["description"].startswith("Days per chunk"), schema["chunk_days"]
    for name in ("start", "end"):
        expect(page.get_by_label(name, exact=True)).to_contain_text("MM/DD/YYYY")  # a date-time picker
    for system in ("salesforce", "hubspot"):  # a multi-select, holding the default
        expect(page.get_by_text(system, exact=True)).to_be_visible()
    expect(page.get_by_role("switch", name="dry_run (Optional)")).to_be_checked()
    expect(page.get_by_role("spinbutton", name="chunk_days (Optional)")).to_have_value("7")


def _pick_date(page: Page, field: str, day: date) -> None:
    """Through the calendar, as a person would: year, month, then the day (midnight, in the UTC shown beside it)."""
    page.get_by_label(field, exact=True).click()
    calendar = page.get_by_role("dialog")
    calendar.get_by_label("Choose the Year").select_option(str(day.year))
    calendar.get_by_label("Choose the Month").select_option(str(day.month - 1))
    calendar.get_by_role("button", name=re.compile(rf"{day:%B} {day.day}(st|nd|rd|th), {day.year}$")).click()
    page.keyboard.press("Escape")
    expect(calendar).to_be_hidden()
    expect(page.get_by_label(field, exact=True)).to_contain_text(f"{day:%m/%d/%Y}")


def _corrections_applied(stack: Stack, flow_run_id: str) -> dict[str, Any]:
    """The corrections table artifact (its id and record ids), once the summary shows the backfill really wrote."""
    artifacts = {a["key"]: a for a in stack.artifacts(flow_run_id) if a.get("key")}
    summary = str(artifacts.get("backfill-summary", {}).get("data", ""))
    applied = re.search(r"^\| applied \| (\d+) \|$", summary, re.MULTILINE)
    wrote = summary.startswith("# leadsync backfill") and "— succeeded" in summary.splitlines()[0]
    assert wrote and applied and int(applied.group(1)) > 0, f"the backfill applied nothing (a guard, a dry run?):\n{summary}"
    assert "backfill-corrections" in artifacts, f"no corrections table among {sorted(artifacts)}"
    table = artifacts["backfill-corrections"]
    data = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    return {"id": table["id"], "records": [row["record"] for row in data]}
