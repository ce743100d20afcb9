"""The shipped definitions validate, and publish as Markdown, HTML and normalized JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.definition_files import load_definition
from flows.cli.app import app
from mapping.definition.parse import parse_definition
from mapping.errors import DefinitionError
from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS

runner = CliRunner()
ALL_DEFINITIONS = [DEFAULT_DEFINITIONS, *sorted(p for p in EXAMPLE_DEFINITIONS.iterdir() if p.is_dir())]


@pytest.mark.parametrize("directory", ALL_DEFINITIONS, ids=lambda p: p.name)
def test_shipped_definition_checks_clean(directory: Path) -> None:
    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 0, result.output
    assert "is valid" in result.output


def test_default_definition_has_the_agreed_ladder_and_side_stages() -> None:
    definition = load_definition(DEFAULT_DEFINITIONS)

    assert [s.key for s in definition.ladder] == ["inquiry", "mql", "sal", "sql", "opportunity", "customer"]
    assert sorted(s.key for s in definition.stages if s.side) == ["disqualified", "recycled"]
    assert definition.stage("mql").sla is not None and definition.stage("sal").sla is not None
    assert definition.systems["salesforce"].writes_enabled
    assert not definition.systems["hubspot"].writes_enabled


def test_check_defaults_to_the_environment_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    example = EXAMPLE_DEFINITIONS / "raw-warm-hot"
    monkeypatch.setenv("LEADSYNC_DEFINITIONS", str(example))

    result = runner.invoke(app, ["definitions", "check"])

    assert result.exit_code == 0
    assert "Raw, warm, hot" in result.output


def test_render_json_is_the_normalized_definition() -> None:
    result = runner.invoke(app, ["definitions", "render", str(DEFAULT_DEFINITIONS), "--format", "json"])

    assert result.exit_code == 0
    document = json.loads(result.stdout)
    stages = {stage["key"]: stage for stage in document["stages"]}
    assert [s["key"] for s in document["stages"]][:6] == ["inquiry", "mql", "sal", "sql", "opportunity", "customer"]
    assert stages["mql"]["sla"]["budget_seconds"] == 4 * 3600
    assert stages["mql"]["sla"]["warn_after_seconds"] == 3 * 3600
    assert stages["mql"]["owner"] == "marketing" and stages["mql"]["rank"] == 2
    assert document["calendar"]["timezone"] == "America/New_York"
    salesforce = document["systems"]["salesforce"]["stages"]
    assert salesforce["mql"]["write"] == {"Status": "Marketing Qualified"}
    assert {r["value"] for r in salesforce["sal"]["read"]} == {"Sales Accepted", "Working - Contacted"}
    assert salesforce["customer"]["write"] is None
    hubspot = document["systems"]["hubspot"]["stages"]
    assert hubspot["sal"]["write"] == {"lifecyclestage": "marketingqualifiedlead", "hs_lead_status": "IN_PROGRESS"}


def test_render_markdown_states_criteria_in_plain_words() -> None:
    result = runner.invoke(app, ["definitions", "render", str(DEFAULT_DEFINITIONS)])

    assert result.exit_code == 0
    assert "## Marketing Qualified Lead (`mql`)" in result.stdout
    assert "lead score ≥ 50" in result.stdout
    assert "worked within 4 h of business time" in result.stdout


def test_render_html_escapes_definition_text(tmp_path: Path) -> None:
    directory = tmp_path / "definitions"
    directory.mkdir()
    for source in DEFAULT_DEFINITIONS.glob("*.yaml"):
        (directory / source.name).write_text(source.read_text())
    lifecycle = directory / "lifecycle.yaml"
    lifecycle.write_text(lifecycle.read_text().replace("label: Inquiry", "label: <script>Inquiry</script>"))
    out = tmp_path / "out" / "definition.html"

    result = runner.invoke(app, ["definitions", "render", str(directory), "--format", "html", "--out", str(out)])

    assert result.exit_code == 0
    page = out.read_text()
    assert "&lt;script&gt;Inquiry&lt;/script&gt;" in page and "<script>" not in page
    assert page.startswith("<!doctype html>")


def test_unknown_render_format_is_bad_usage() -> None:
    result = runner.invoke(app, ["definitions", "render", str(DEFAULT_DEFINITIONS), "--format", "pdf"])

    assert result.exit_code == 2


def test_fingerprint_ignores_comments_but_not_content() -> None:
    sources = {p.name: p.read_text() for p in DEFAULT_DEFINITIONS.glob("*.yaml")}
    base = parse_definition(sources)
    commented = parse_definition({**sources, "calendar.yaml": "# a new comment\n" + sources["calendar.yaml"]})
    changed = parse_definition(
        {**sources, "lifecycle.yaml": sources["lifecycle.yaml"].replace("value: 50", "value: 60")}
    )

    assert base.fingerprint == commented.fingerprint
    assert base.fingerprint != changed.fingerprint


def test_parser_reports_issues_sorted_by_file_and_line() -> None:
    sources = {p.name: p.read_text() for p in DEFAULT_DEFINITIONS.glob("*.yaml")}
    sources["calendar.yaml"] = sources["calendar.yaml"].replace("America/New_York", "Mars/Olympus")
    sources["lifecycle.yaml"] = sources["lifecycle.yaml"].replace("owner: marketing", "owner: nobody")

    with pytest.raises(DefinitionError) as caught:
        parse_definition(sources)

    issues = caught.value.issues
    assert [i.file for i in issues] == sorted(i.file for i in issues)
    assert issues[0].file == "calendar.yaml" and issues[0].field == "timezone"
    assert sum(1 for i in issues if i.file == "lifecycle.yaml") == 3  # every marketing-owned stage
