"""`leadsync explain` and `leadsync definitions impact` against the sandbox, through the CLI and the Prefect flow."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.environment import load_settings
from flows.cli.app import app
from flows.deployments.definition_impact import definition_impact
from flows.runs.sync import run_sync
from flows.wiring import open_services
from sandbox.launch import SandboxHandle
from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS

pytestmark = pytest.mark.e2e
STRICTER = str(EXAMPLE_DEFINITIONS / "mql-threshold-70")
WRITES = ("sf.collections.update", "sf.collections.create", "sf.metadata.update", "hs.contacts.batch_update")


def _writes(world: SandboxHandle) -> int:
    counts = {**world.salesforce.calls.snapshot(), **world.hubspot.calls.snapshot()}
    return sum(counts.get(key, 0) for key in WRITES)


def _calls(world: SandboxHandle) -> int:
    return world.salesforce.calls.total("sf.") + world.hubspot.calls.total("hs.")


def test_impact_replays_the_state_store_without_a_call_and_live_without_a_write(world: SandboxHandle) -> None:
    with open_services(load_settings()) as services:
        run_sync(services, as_of=datetime.now(UTC), dry_run=False, allow_mass_change=True)
    calls, writes = _calls(world), _writes(world)

    replayed = CliRunner().invoke(app, ["definitions", "impact", STRICTER, "--json"])
    assert replayed.exit_code == 0, replayed.output
    summary = json.loads(replayed.stdout)
    assert summary["source"] == "snapshots" and summary["leads"] > 300
    assert sum(m["leads"] for m in summary["transition_matrix"]) == summary["leads"]
    assert _calls(world) == calls  # the snapshot replay makes no API call at all

    live = CliRunner().invoke(app, ["definitions", "impact", STRICTER, "--live", "--json"])
    assert live.exit_code == 0, live.output
    assert json.loads(live.stdout)["source"] == "live"
    assert _calls(world) > calls and _writes(world) == writes  # a fresh pull, and still not one write


def test_explain_a_corrected_lead_from_the_cli(world: SandboxHandle) -> None:
    with open_services(load_settings()) as services:
        report = run_sync(services, as_of=datetime.now(UTC), dry_run=False, allow_mass_change=True)
    corrected = next(c for c in report.corrections if c.system == "salesforce")
    before = _calls(world)

    shown = CliRunner().invoke(app, ["explain", corrected.record_id])
    as_json = CliRunner().invoke(app, ["explain", corrected.record_id, "--json"])

    assert shown.exit_code == 0, shown.output
    assert "Decided stage:" in shown.stdout and "leadsync wrote salesforce Status" in shown.stdout
    story = json.loads(as_json.stdout)
    assert story["resolved"]["stage"] == corrected.stage_after
    assert (_calls(world) - before) / 2 <= 10  # a handful of calls per explain, not a scan
    missing = CliRunner().invoke(app, ["explain", "nobody@nowhere.example"])
    assert missing.exit_code == 1 and "no lead" in missing.output


def test_the_definition_impact_flow_returns_the_summary_it_publishes(world: SandboxHandle) -> None:
    with open_services(load_settings()) as services:
        run_sync(services, as_of=datetime.now(UTC), dry_run=True)
    writes = _writes(world)
    summary = definition_impact(proposed=STRICTER)
    assert summary["leads"] > 300 and summary["new_label"] == STRICTER
    assert len(summary["affected_leads"]) == summary["leads_changed"]["count"] > 0  # also its table artifact
    assert _writes(world) == writes


def _renamed_mql(directory: Path) -> Path:
    """The default definition with the stage key `mql` renamed, nothing else changed."""
    shutil.copytree(DEFAULT_DEFINITIONS, directory, ignore=shutil.ignore_patterns("examples"))
    for name in ("lifecycle.yaml", "salesforce.yaml", "hubspot.yaml"):
        path = directory / name
        path.write_text(re.sub(r"\bmql\b", "marketing_qualified", path.read_text()))
    return directory


def test_impact_cli_tells_people_by_one_id_in_funnel_order_with_every_lead_and_renames_as_renames(
        world: SandboxHandle, tmp_path: Path) -> None:
    with open_services(load_settings()) as services:
        run_sync(services, as_of=datetime.now(UTC), dry_run=True)

    shown = CliRunner().invoke(app, ["definitions", "impact", STRICTER, "--json", "--csv", str(tmp_path / "all.csv")])
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.stdout)
    order = summary["stage_order"]["current"]
    rows = [(order.index(m["from"]), summary["stage_order"]["proposed"].index(m["to"])) for m in summary["transition_matrix"]]
    assert rows == sorted(rows) and order[-1] == "(none)"
    affected = summary["affected_leads"]
    assert len(affected) == summary["leads_changed"]["count"] > 20  # every one of them, not a sample
    assert [lead["id"] for lead in affected] == summary["leads_changed"]["ids"]
    assert all(len(lead["id"]) == 18 if lead["system"] == "salesforce" else lead["id"].isdigit() for lead in affected)
    assert len(list(csv.DictReader((tmp_path / "all.csv").open()))) == len(affected)
    text = CliRunner().invoke(app, ["definitions", "impact", STRICTER]).stdout
    assert "`(none)`: leads the definition places on no stage" in text
    assert f"Showing 25 of {len(affected)} affected leads" in text

    renamed = CliRunner().invoke(app, ["definitions", "impact", str(_renamed_mql(tmp_path / "renamed")), "--json"])
    assert renamed.exit_code == 0, renamed.output
    rename = json.loads(renamed.stdout)
    assert rename["leads_changed"]["count"] == 0 and rename["stage_changed"]["count"] == 0
    assert [(r["from"], r["to"]) for r in rename["renames"]] == [("mql", "marketing_qualified")]
    assert rename["renames"][0]["leads"] == rename["renamed"]["count"] > 0
