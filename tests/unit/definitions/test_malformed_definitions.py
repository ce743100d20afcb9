"""Every class of definition mistake is refused with exit 1 and a message naming file, line and field."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.app import app
from tests.conftest import DEFAULT_DEFINITIONS

runner = CliRunner()


@dataclass(frozen=True)
class Mistake:
    """Replace `old` by `new` in `file`; expect an issue on the line holding `at` (default: `new`)."""

    name: str
    file: str
    old: str
    new: str
    field: str
    message: str
    at: str | None = None


MISTAKES = [
    Mistake("bad yaml", "lifecycle.yaml", "        - { field: score, op: gte, value: 50 }",
            "        - { field: score, op: gte, value: 50", "(syntax)", "invalid YAML",
            at="    sla:\n      budget: 4h"),
    Mistake("unknown stage in a mapping", "salesforce.yaml", "Recycled: recycled  ", "Recycled: recylced  ",
            "stage_fields[0].read.Recycled", "unknown stage 'recylced'"),
    Mistake("duplicate rank", "lifecycle.yaml", "    rank: 3\n", "    rank: 2\n", "stages[2].rank",
            "rank 2 is already used by stages[1]", at="    rank: 2\n    criteria:\n      all:\n        - { field: email_valid, op: is_true }\n        - { field: owner_id"),
    Mistake("two write values for one stage", "salesforce.yaml", "  mql: Marketing Qualified\n",
            "  mql: Marketing Qualified\n  mql: MQL\n", "write.mql", "duplicate key 'mql'", at="  mql: MQL\n"),
    Mistake("unknown criteria field", "lifecycle.yaml", "{ field: score, op: gte, value: 50 }",
            "{ field: scor, op: gte, value: 50 }", "stages[1].criteria.all[1].field", "unknown canonical field 'scor'"),
    Mistake("bad duration", "lifecycle.yaml", "budget: 4h ", "budget: four hours ", "stages[1].sla.budget",
            "not a duration"),
    Mistake("days are not business time", "lifecycle.yaml", "budget: 8h ", "budget: 2d ", "stages[2].sla.budget",
            "days depend on the calendar"),
    Mistake("unknown time zone", "calendar.yaml", "timezone: America/New_York", "timezone: America/Springfield",
            "timezone", "unknown time zone 'America/Springfield'"),
    Mistake("missing SLA target", "lifecycle.yaml", "      budget: 4h            # business time for Sales to accept or reject\n",
            "", "stages[1].sla.budget", "required field is missing", at="    sla:\n      warn_at: 75%"),
    Mistake("duplicate stage key", "lifecycle.yaml", "  - key: sal\n", "  - key: mql\n", "stages[2].key",
            "stage key 'mql' is already used by stages[1]", at="  - key: mql\n    label: Sales Accepted"),
    Mistake("operator does not fit the field type", "lifecycle.yaml", "{ field: owner_id, op: present }\n    sla:",
            "{ field: owner_id, op: gte, value: 3 }\n    sla:", "stages[2].criteria.all[1].op",
            "operator 'gte' does not apply to text field 'owner_id'"),
    Mistake("unknown operator", "lifecycle.yaml", "{ field: score, op: gte, value: 50 }",
            "{ field: score, op: bigger, value: 50 }", "stages[1].criteria.all[1].op", "Input should be"),
    Mistake("operator without its value", "lifecycle.yaml", "{ field: score, op: gte, value: 50 }",
            "{ field: score, op: gte }", "stages[1].criteria.all[1]", "operator 'gte' needs a value"),
    Mistake("value of the wrong type", "lifecycle.yaml", "{ field: score, op: gte, value: 50 }",
            "{ field: score, op: gte, value: fifty }", "stages[1].criteria.all[1].value",
            "'fifty' is not a number value"),
    Mistake("side stage re-enters an unknown stage", "lifecycle.yaml", "reenter_at: mql ", "reenter_at: nurture ",
            "stages[6].reenter_at", "'nurture' is not a ladder stage"),
    Mistake("converted stage unknown", "lifecycle.yaml", "converted_stage: opportunity", "converted_stage: won",
            "converted_stage", "'won' is not a ladder stage"),
    Mistake("write for an unknown stage", "salesforce.yaml", "  recycled: Recycled\n", "  recycled: Recycled\n  nurture: Recycled\n",
            "write.nurture", "unknown stage 'nurture'", at="  nurture: Recycled\n"),
    Mistake("stage without a write value", "salesforce.yaml", "  customer: null                           # not representable on a Lead: conversion belongs to the CRM\n",
            "", "write", "stage 'customer' has no write value", at="write:  "),
    Mistake("same write value for two stages", "salesforce.yaml", "  sql: Sales Qualified\n", "  sql: Sales Accepted\n",
            "write.sql", "writes the same value as stage 'sal'"),
    Mistake("write value that does not read back", "salesforce.yaml", "  sql: Sales Qualified\n", "  sql: SQL\n",
            "write.sql", "reads back as no stage"),
    Mistake("unknown canonical field in a mapping", "hubspot.yaml", "  title: jobtitle\n", "  job_title: jobtitle\n",
            "fields.job_title", "unknown canonical field 'job_title'"),
    Mistake("derived field mapped", "hubspot.yaml", "  title: jobtitle\n", "  email_valid: hs_email_bad_address\n",
            "fields.email_valid", "derived by leadsync"),
    Mistake("email not mapped", "hubspot.yaml", "  email: email\n", "", "fields", "email must be mapped",
            at="fields:\n"),
    Mistake("unknown top-level key", "calendar.yaml", "timezone: America/New_York", "timezone: America/New_York\ntimezones: UTC",
            "timezones", "unknown field", at="timezones: UTC"),
    Mistake("bad owner", "lifecycle.yaml", "    owner: sales\n    rank: 3", "    owner: finance\n    rank: 3",
            "stages[2].owner", "Input should be 'marketing' or 'sales'"),
    Mistake("bad working hours", "calendar.yaml", 'tue: ["09:00-17:00"]', 'tue: ["9am-5pm"]', "working_hours.tue[0]",
            "expected working hours as 'HH:MM-HH:MM'"),
    Mistake("overlapping working hours", "calendar.yaml", 'wed: ["09:00-17:00"]', 'wed: ["09:00-13:00", "12:00-17:00"]',
            "working_hours.wed[1]", "overlaps another range"),
    Mistake("unknown holiday country", "calendar.yaml", "country: US ", "country: XX ", "holidays.country",
            "unknown country code 'XX'"),
    Mistake("warning share out of range", "lifecycle.yaml", "warn_at: 75%\n      worked_by: [activity, stage_advance]\n      notify: owner\n\n  - key: sal",
            "warn_at: 150%\n      worked_by: [activity, stage_advance]\n      notify: owner\n\n  - key: sal",
            "stages[1].sla.warn_at", "strictly between", at="warn_at: 150%"),
    Mistake("system name does not match the file", "hubspot.yaml", "system: hubspot", "system: salesforce", "system",
            "system must be 'hubspot'"),
    Mistake("ladder stage without rank", "lifecycle.yaml", "    owner: sales\n    rank: 6\n", "    owner: sales\n",
            "stages[5]", "a ladder stage needs a rank", at="  - key: customer"),
    Mistake("stage key not an identifier", "lifecycle.yaml", "  - key: sql\n", "  - key: Sales Qualified\n",
            "stages[3].key", "should match pattern"),
    Mistake("write field that is not a stage field", "hubspot.yaml", "recycled: { hs_lead_status: BAD_TIMING }",
            "recycled: { leadstatus: BAD_TIMING }", "write.recycled.leadstatus", "'leadstatus' is not a stage field",
            at="recycled: { leadstatus"),
    Mistake("field name that would rewrite a query", "salesforce.yaml", "  company: Company\n",
            '  company: "Company FROM Lead WHERE Id != null) --"\n', "fields.company",
            "'Company FROM Lead WHERE Id != null) --' is not a Salesforce API name"),
    Mistake("stage field that is not an API name", "salesforce.yaml", "  - field: Status\n", "  - field: Lead Status\n",
            "stage_fields[0].field", "'Lead Status' is not a Salesforce API name"),
    Mistake("custom field with a stray double underscore", "salesforce.yaml", "  budget: Budget__c ",
            "  budget: Budget___c ", "fields.budget", "'Budget___c' is not a Salesforce API name"),
    Mistake("lock field that is not an API name", "salesforce.yaml", "  field: Leadsync_Lock__c\n",
            "  field: Leadsync_Lock__c, Id\n", "lock.field", "'Leadsync_Lock__c, Id' is not a Salesforce API name"),
    Mistake("property that is not a HubSpot internal name", "hubspot.yaml", "  score: hubspotscore\n",
            "  score: HubSpot Score\n", "fields.score", "'HubSpot Score' is not a HubSpot property's internal name"),
    Mistake("no working hours at all", "calendar.yaml", 'working_hours:\n' + "".join(
                f'  {day}: ["09:00-17:00"]\n' for day in ("mon", "tue", "wed", "thu", "fri")),
            "working_hours:\n", "working_hours", "no working hours on any day"),
]


def _definition_copy(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DEFINITIONS, target, ignore=shutil.ignore_patterns("examples"))
    return target


def _apply(directory: Path, mistake: Mistake) -> int:
    path = directory / mistake.file
    text = path.read_text()
    assert text.count(mistake.old) == 1, f"fixture text {mistake.old!r} must occur once in {mistake.file}"
    changed = text.replace(mistake.old, mistake.new)
    path.write_text(changed)
    anchor = mistake.at if mistake.at is not None else mistake.new
    position = changed.index(anchor)
    return changed.count("\n", 0, position) + 1 + (anchor[: len(anchor) - len(anchor.lstrip("\n"))].count("\n"))


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_is_located_by_file_line_and_field(tmp_path: Path, mistake: Mistake) -> None:
    directory = _definition_copy(tmp_path)
    line = _apply(directory, mistake)

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1, result.output
    expected_prefix = f"{directory / mistake.file}:{line}: {mistake.field}: "
    located = [row for row in result.output.splitlines() if row.startswith(expected_prefix)]
    assert located, f"no line starting {expected_prefix!r} in:\n{result.output}"
    assert any(mistake.message in row for row in located), result.output
    assert "Traceback" not in result.output


def test_missing_file_is_named(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    (directory / "hubspot.yaml").unlink()

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1
    assert f"{directory / 'hubspot.yaml'}:1: (file): file is missing" in result.output


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    for mistake in (MISTAKES[1], MISTAKES[18], MISTAKES[20]):  # two in salesforce.yaml, one in hubspot.yaml
        _apply(directory, mistake)

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1
    assert "4 problem(s)" in result.output  # the misspelt read value also breaks the 'recycled' write round trip
    for field in ("stage_fields[0].read.Recycled", "write.recycled", "write.sql", "fields.job_title"):
        assert f": {field}: " in result.output


def test_text_that_is_not_utf8_is_refused_with_its_file(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    (directory / "calendar.yaml").write_bytes(b"timezone: \xff\xfe\n")

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1
    assert f"{directory / 'calendar.yaml'}:1: (file): not UTF-8" in result.output


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["definitions", "check", str(tmp_path / "nowhere")])

    assert result.exit_code == 1
    assert "not a directory of definition files" in result.output


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    directory = _definition_copy(tmp_path)
    (directory / "hubspot.yaml").write_text("# a list, not settings\n- system: hubspot\n")

    result = runner.invoke(app, ["definitions", "check", str(directory)])

    assert result.exit_code == 1
    assert f"{directory / 'hubspot.yaml'}:2: (document): expected a mapping" in result.output
