"""`leadsync plan` and `sync --dry-run` say what the real sync would do, guards included (exit 3 when blocked)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli.app import app
from sandbox.launch import SandboxHandle

pytestmark = pytest.mark.e2e


def test_plan_and_dry_run_exit_as_the_real_sync_would_and_the_plan_lists_every_lead(
        world: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_MAX_CHANGES", "5")
    plan = CliRunner().invoke(app, ["plan", "--json"])
    dry = CliRunner().invoke(app, ["sync", "--dry-run"])
    real = CliRunner().invoke(app, ["sync"])

    assert (plan.exit_code, dry.exit_code, real.exit_code) == (3, 3, 3), (plan.output, dry.output, real.output)
    document = json.loads(plan.stdout)
    assert document["would_block"].startswith("blast_radius: ") and document["status"] == "dry_run"
    assert "the real run would be blocked: blast_radius" in dry.stdout
    leads = document["counts"]["leads"]
    assert len(document["decisions"]) == leads > 300
    rules = {d["rule"] for d in document["decisions"]}
    assert {"in_agreement", "marketing_evidence"} <= rules

    assert CliRunner().invoke(app, ["sync", "--allow-mass-change"]).exit_code == 0
    after = CliRunner().invoke(app, ["plan", "--json"])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["would_block"] is None
