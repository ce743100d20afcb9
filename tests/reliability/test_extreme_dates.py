"""Scenario 9, small: dates the business calendar cannot handle are quarantined with record and field; the run goes
on and the ordinary records end as without them."""

from __future__ import annotations

import extreme_dates
import pytest


@pytest.mark.e2e
def test_extreme_dates_are_quarantined_and_nothing_is_lost() -> None:
    (row,) = extreme_dates.run(False)
    assert row.passed, row.line()
    assert row.figures["crashes"] == 0 and row.figures["unreported"] == 0 and row.figures["lost"] == 0
