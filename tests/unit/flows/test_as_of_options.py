"""`--as-of` at the command line: an applying run refuses the future (exit 2, before any system is touched), and an
instant the business calendar cannot run clocks at is refused with its range, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.app import app

runner = CliRunner()
FUTURE = "2030-01-01T00:00:00Z"


def _refused(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", f"sqlite:///{tmp_path}/state.db")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not (tmp_path / "state.db").exists()
    return " ".join(result.output.replace("│", " ").split())  # the usage error is boxed and wrapped


@pytest.mark.parametrize(("args", "instead"), [
    (["sync", "--as-of", FUTURE], "or add --dry-run"),
    (["sla", "--as-of", FUTURE], "look ahead with a dry run (leadsync plan --as-of)"),
    (["backfill", "--start", "2026-01-01", "--end", "2026-02-01", "--apply", "--as-of", FUTURE], "or leave out --apply"),
], ids=["sync", "sla", "backfill --apply"])
def test_an_applying_run_refuses_a_future_as_of_and_says_how_to_look_ahead(
        args: list[str], instead: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said = _refused(args, tmp_path, monkeypatch)
    assert "'--as-of'" in said and "is in the future" in said and instead in said
    assert args[0] == "sync" or "--dry-run" not in said  # sla and backfill have no --dry-run to add


@pytest.mark.parametrize(("value", "says"), [
    ("0001-01-01T00:00:00Z", "lies outside 1900-01-01 to 2189-12-31"),
    ("9999-12-31", "lies outside 1900-01-01 to 2189-12-31"),
    ("0001-01-01T00:00:00+05:00", "lies outside the years 1-9999 in UTC"),
])
def test_an_as_of_the_calendar_cannot_run_clocks_at_is_refused(value: str, says: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert says in _refused(["plan", "--as-of", value], tmp_path, monkeypatch)
