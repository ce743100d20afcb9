"""Scenario 8, small: a future --as-of is refused by applying runs, poisons no watermark, and loses nothing."""

from __future__ import annotations

import future_as_of
import pytest


@pytest.mark.e2e
def test_a_future_as_of_loses_nothing_and_no_watermark_passes_the_wall_clock() -> None:
    (row,) = future_as_of.run(False)
    assert row.passed, row.line()
    assert row.figures["lost"] == 0 and row.figures["later_changes_missed"] == 0
    assert row.figures["watermarks_ahead"] == 0 and row.figures["stored_by_refused"] == 0
