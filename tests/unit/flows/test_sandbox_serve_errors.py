"""`leadsync sandbox serve` refuses to start without a usable definition: a clear message and an exit code, never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.app import app

runner = CliRunner()


def test_without_a_definitions_directory_it_exits_2_naming_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./definitions here, and no LEADSYNC_DEFINITIONS (clean_environ)

    result = runner.invoke(app, ["sandbox", "serve", "--empty"])

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    flat = " ".join(result.output.replace("│", " ").split())  # the usage error is boxed and wrapped
    assert "not a directory of definition files" in flat and "pass --definitions DIR" in flat
    assert "Traceback" not in result.output


def test_an_invalid_definition_exits_1_with_every_problem_located(tmp_path: Path) -> None:
    (tmp_path / "lifecycle.yaml").write_text("name: x\n")

    result = runner.invoke(app, ["sandbox", "serve", "--empty", "--definitions", str(tmp_path)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{tmp_path / 'hubspot.yaml'}:1: (file): file is missing" in result.output
