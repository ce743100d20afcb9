"""The small version of each `make reliability` scenario, inside `make test` (the full sizes run in `make reliability`)."""

from __future__ import annotations

import importlib

import pytest
from table import Row, render


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", ["transient", "crashes", "partial", "concurrency"])
def test_every_row_of_the_small_scenario_holds(scenario: str) -> None:
    rows: list[Row] = importlib.import_module(scenario).run(False)
    assert rows, "a scenario must report at least one row"
    assert all(row.passed for row in rows), render(rows)
