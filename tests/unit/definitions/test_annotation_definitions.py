"""The optional `annotations` block of a system mapping: refused with file, line and field when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.app import app
from tests.factories import compiled
from tests.unit.definitions.test_malformed_definitions import Mistake, _apply, _definition_copy

runner = CliRunner()
SF_BLOCK = "  reason: Stage_Reason__c"
HS_BLOCK = "  reason: leadsync_stage_reason"

MISTAKES = [
    Mistake("unknown annotation role", "salesforce.yaml", SF_BLOCK, "  why: Stage_Reason__c",
            "annotations.why", "unknown field"),
    Mistake("annotation field not text", "salesforce.yaml", SF_BLOCK, "  reason: [Stage_Reason__c]",
            "annotations.reason", "Input should be a valid string"),
    Mistake("empty annotation field", "hubspot.yaml", HS_BLOCK, '  reason: ""', "annotations.reason",
            "at least 1 character"),
    Mistake("annotations not a mapping", "hubspot.yaml",
            "annotations:            # optional", "annotations: yes\nignored:            # optional",
            "annotations", "valid dictionary", at="annotations: yes"),
    Mistake("annotation over the stage field", "salesforce.yaml", SF_BLOCK, "  reason: status",
            "annotations.reason", "'status' is a stage field"),
    Mistake("annotation over a mapped field", "hubspot.yaml", HS_BLOCK, "  reason: jobtitle",
            "annotations.reason", "'jobtitle' is mapped to 'title'"),
    Mistake("annotation over the lock field", "salesforce.yaml", SF_BLOCK, "  reason: Leadsync_Lock__c",
            "annotations.reason", "is the lock field"),
    Mistake("annotation field that is not an API name", "salesforce.yaml", SF_BLOCK, '  reason: "Stage Reason"',
            "annotations.reason", "'Stage Reason' is not a Salesforce API name"),
    Mistake("one field for both roles", "salesforce.yaml", "  sla_due: SLA_Due__c", "  sla_due: Stage_Reason__c",
            "annotations.sla_due", "already the reason field"),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_annotation_mistake_is_located_by_file_line_and_field(tmp_path: Path, mistake: Mistake) -> None:
    directory = _definition_copy(tmp_path)
    line = _apply(directory, mistake)

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1, result.output
    prefix = f"{directory / mistake.file}:{line}: {mistake.field}: "
    located = [row for row in result.output.splitlines() if row.startswith(prefix)]
    assert any(mistake.message in row for row in located), f"no {prefix!r}… {mistake.message!r} in:\n{result.output}"


def test_an_empty_annotations_block_is_refused(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    path = directory / "salesforce.yaml"
    text = path.read_text()
    head, _, _ = text.partition("\nannotations:")
    path.write_text(head + "\nannotations: {}\n")

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1
    assert "salesforce.yaml" in result.output and "annotations: name at least one field" in result.output


def test_the_default_definition_annotates_both_systems() -> None:
    systems = compiled().definition.systems
    sf, hs = systems["salesforce"].annotations, systems["hubspot"].annotations
    assert sf is not None and sf.by_role() == {"reason": "Stage_Reason__c", "sla_due": "SLA_Due__c"}
    assert hs is not None and hs.by_role() == {"reason": "leadsync_stage_reason", "sla_due": "leadsync_sla_due"}


def test_a_mapping_without_annotations_is_valid(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    for name in ("salesforce.yaml", "hubspot.yaml"):
        path = directory / name
        path.write_text(path.read_text().partition("\nannotations:")[0] + "\n")

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 0, result.output
