"""`definitions impact` in words a RevOps user can trust: the matrix in funnel order, a key rename told as a rename,
the `(none)` row explained, one id per person, and every affected lead available (JSON, CSV, a capped table)."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.fakes.state import FakeRunState
from connectors.fakes.system import FakeSystem
from connectors.settings import RunSettings
from connectors.store.sql_state import open_run_state
from flows.cli.app import app
from flows.render.impact import impact_markdown
from flows.runs.impact import run_impact
from flows.runs.services import Services, SystemPorts
from flows.runs.sync import run_sync
from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.definition.parse import parse_definition
from tests.conftest import DEFAULT_DEFINITIONS
from tests.factories import at, compiled, hs_contact, sf_lead, sources

AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)
LEAD_KEYS = ["id", "system", "current_stage", "proposed_stage", "renamed", "changes", "written_current",
             "written_proposed", "sla_current", "sla_proposed", "violation_current", "violation_proposed"]
FUNNEL = ["inquiry", "mql", "sal", "recycled", "disqualified", "(none)"]  # alphabetical would start at "(none)"
STATUSES = {"Open - Not Contacted": "inquiry", "Marketing Qualified": "mql", "Sales Accepted": "sal",
            "Recycled": "recycled", "Closed - Not Converted": "disqualified", "Banana Split": "(none)"}


def _ports(system: FakeSystem) -> SystemPorts:
    return SystemPorts(source=system, writer=system, picklist=system, evidence=system, flags=system)


class World:
    """Leads in the in-memory systems, replayed from a state store after one dry-run sync."""

    def __init__(self, state: Any) -> None:
        self.crm, self.ma, self.state = FakeSystem("salesforce"), FakeSystem("hubspot"), state

    def lead(self, record_id: str, status: str, email: str) -> None:
        record, history = sf_lead(record_id, status, email, entered=at(2))
        self.crm.load([record])
        self.crm.history[record_id] = history

    def contact(self, record_id: str, lifecycle: str, email: str, score: int, **extra: Any) -> None:
        modified = at(20).isoformat().replace("+00:00", "Z")  # in the pull window, also when no lead pulls it in
        self.ma.load([hs_contact(record_id, lifecycle, email, score=score, entered=at(3), lastmodifieddate=modified,
                                 **extra)])

    def services(self) -> Services:
        return Services(compiled(), {"salesforce": _ports(self.crm), "hubspot": _ports(self.ma)}, self.state,
                        RunSettings())

    def synced(self) -> World:
        run_sync(self.services(), as_of=AS_OF, dry_run=True)  # a dry run keeps the snapshots too
        return self

    def impact(self, proposed: CompiledDefinition) -> dict[str, Any]:
        return run_impact(self.state, RunSettings(), compiled(), proposed, as_of=AS_OF).impact.as_dict()


def _definition(*edits: tuple[str, str, str]) -> dict[str, str]:
    """The default definition's files with regex edits, each (file stem, pattern, replacement)."""
    texts = sources(DEFAULT_DEFINITIONS)
    for stem, pattern, replacement in edits:
        texts[f"{stem}.yaml"] = re.sub(pattern, replacement, texts[f"{stem}.yaml"])
    return texts


def _compiled(texts: dict[str, str]) -> CompiledDefinition:
    return compile_definition(parse_definition(texts))


RENAMED = [(stem, r"\bmql\b", "marketing_qualified") for stem in ("lifecycle", "salesforce", "hubspot")]
STRICTER = [("lifecycle", r"\{ field: score, op: gte, value: 50 \}", "{ field: score, op: gte, value: 70 }")]


def _every_stage(state: Any) -> World:
    world = World(state)
    for n, status in enumerate(STATUSES):
        for copy in range(2):
            world.lead(f"00Q{n:03d}{copy:012d}", status, f"s{n}-{copy}@example.com")
    return world.synced()


def _between_thresholds(state: Any, people: int) -> World:
    """Inquiries whose HubSpot twin scores 60: MQLs at a threshold of 50, inquiries at 70."""
    world = World(state)
    for n in range(people):
        world.lead(f"00Q{n:015d}", "Open - Not Contacted", f"p{n}@example.com")
        world.contact(str(900 + n), "lead", f"p{n}@example.com", score=60)
    return world.synced()


class TestFunnelOrder:
    def test_the_transition_matrix_follows_the_definitions_funnel_with_none_last(self) -> None:
        summary = _every_stage(FakeRunState()).impact(compiled())

        assert [m["from"] for m in summary["transition_matrix"]] == FUNNEL
        assert summary["stage_order"]["current"][-1] == "(none)"
        header = impact_markdown(summary).splitlines()[2]
        assert [c.strip() for c in header.split("|")[2:-2]] == FUNNEL
        rows = [line.split("|")[1].strip() for line in impact_markdown(summary).splitlines()[4:10]]
        assert rows == FUNNEL

    def test_the_none_row_is_explained_under_the_matrix(self) -> None:
        summary = _every_stage(FakeRunState()).impact(compiled())

        text = impact_markdown(summary)

        assert "`(none)`: leads the definition places on no stage" in text
        assert "unmapped" in text and "leadsync writes nothing for them" in text


class TestRenames:
    def test_a_pure_key_rename_is_reported_as_a_rename_not_as_stage_changes(self) -> None:
        world = _every_stage(FakeRunState())
        mqls = 2

        summary = world.impact(_compiled(_definition(*RENAMED)))

        assert summary["leads_changed"]["count"] == summary["stage_changed"]["count"] == 0
        assert summary["renames"] == [{"from": "mql", "to": "marketing_qualified", "leads": mqls,
                                       "changed_otherwise": 0}]
        assert summary["affected_leads"] == [] and summary["renamed"]["count"] == mqls
        assert {"from": "mql", "to": "marketing_qualified", "leads": mqls, "renamed": True} in summary["transition_matrix"]
        text = impact_markdown(summary)
        assert f"mql → marketing_qualified: renamed, {mqls} leads, no change in what is written" in text
        assert "| resolved stage changes (renames excluded) | 0 |" in text

    def test_a_renamed_key_whose_criteria_changed_is_a_real_stage_change(self) -> None:
        world = _between_thresholds(FakeRunState(), 3)

        summary = world.impact(_compiled(_definition(*RENAMED, *STRICTER)))

        assert summary["renames"] == [] and summary["stage_changed"]["count"] == 3


class TestOneIdPerPerson:
    def test_a_violation_on_the_hubspot_record_counts_for_the_persons_salesforce_lead(self) -> None:
        world = World(FakeRunState())
        world.lead("00Q000000000000001", "Open - Not Contacted", "grace@example.com")
        world.contact("700", "marketingqualifiedlead", "grace@example.com", score=55)  # meets 50, not 70

        summary = world.synced().impact(_compiled(_definition(*STRICTER)))

        assert summary["new_violations"]["count"] == 1
        assert summary["new_violations"]["ids"] == ["00Q000000000000001"]
        assert [(lead["id"], lead["system"]) for lead in summary["affected_leads"]] == [
            ("00Q000000000000001", "salesforce")]

    def test_a_contact_linked_by_a_15_character_lead_id_is_told_under_the_leads_18_character_id(self) -> None:
        lead_id = "00Q5g00000AbCdEEAV"  # the 18-character form of 00Q5g00000AbCdE
        world = World(FakeRunState())
        world.lead(lead_id, "Open - Not Contacted", "ada@work.example")
        world.contact("701", "marketingqualifiedlead", "ada@home.example", score=55, sf_id=lead_id[:15])

        summary = world.synced().impact(_compiled(_definition(*STRICTER)))

        assert summary["leads"] == 1
        assert {lead["id"] for lead in summary["affected_leads"]} == {lead_id}
        listed = {i for key in ("leads_changed", "stage_changed", "new_violations", "no_longer_breached")
                  for i in summary[key]["ids"]}
        assert listed <= {lead_id}


class TestEveryAffectedLead:
    def test_json_lists_every_affected_lead_with_fixed_keys(self) -> None:
        summary = _between_thresholds(FakeRunState(), 30).impact(_compiled(_definition(*STRICTER)))

        assert summary["leads_changed"]["count"] == len(summary["leads_changed"]["ids"]) == 30
        assert len(summary["affected_leads"]) == 30
        assert all(list(lead) == LEAD_KEYS for lead in summary["affected_leads"])
        assert {lead["current_stage"] for lead in summary["affected_leads"]} == {"mql"}
        assert {lead["proposed_stage"] for lead in summary["affected_leads"]} == {"inquiry"}

    def test_markdown_shows_a_capped_table_and_says_how_to_get_every_lead(self) -> None:
        summary = _between_thresholds(FakeRunState(), 30).impact(_compiled(_definition(*STRICTER)))

        text = impact_markdown(summary, shown=25)

        listed = [line for line in text.splitlines() if re.match(r"\| 00Q\d{15} \|", line)]
        assert len(listed) == 25
        assert "Showing 25 of 30 affected leads" in text and "--json" in text and "--csv FILE" in text

    def test_the_cli_writes_every_affected_lead_to_a_csv_file(self, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        database = f"sqlite:///{tmp_path}/state.db"
        _between_thresholds(open_run_state(database), 30)
        proposed = tmp_path / "stricter"
        proposed.mkdir()
        for name, text in _definition(*STRICTER).items():
            (proposed / name).write_text(text)
        monkeypatch.setenv("LEADSYNC_DATABASE_URL", database)
        monkeypatch.setenv("LEADSYNC_DEFINITIONS", str(DEFAULT_DEFINITIONS))
        out = tmp_path / "affected.csv"

        shown = CliRunner().invoke(app, ["definitions", "impact", str(proposed), "--as-of", AS_OF.isoformat(),
                                         "--csv", str(out), "--json"])

        assert shown.exit_code == 0, shown.output
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == 30 and list(rows[0]) == LEAD_KEYS
        assert {row["id"] for row in rows} == set(json.loads(shown.stdout)["leads_changed"]["ids"])

