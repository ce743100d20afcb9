"""Scenario 10, small: a revert sticks through later syncs until `leadsync release`; nothing lost."""

from __future__ import annotations

import pytest
import revert_sticks


@pytest.mark.e2e
def test_a_revert_is_not_undone_by_the_next_syncs_and_a_release_lets_them_correct_again() -> None:
    (row,) = revert_sticks.run(False)
    assert row.passed, row.line()
    assert row.figures["rewritten_while_held"] == 0 and row.figures["lost"] == 0
    assert 0 < row.figures["held_in_plan"] <= row.figures["corrected"] == row.figures["released"]
    assert row.figures["differ_from_lone_sync"] < row.figures["corrected"] // 4  # only side stages the revert re-dated
