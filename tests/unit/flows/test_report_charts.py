"""The report's bar charts draw whatever the counts are, zeros included (a store that has only seen dry runs)."""

from __future__ import annotations

from collections import Counter

from flows.render.report import CHART_WIDTH, _bar_chart


def test_a_chart_of_zero_counts_draws_bars_of_no_width_instead_of_failing() -> None:
    chart = _bar_chart("Applied corrections by rule", Counter({"new_mql": 0, "recycled": 0}))
    assert "width='0'" in chart and ">new_mql<" in chart and ">0<" in chart


def test_bars_are_drawn_in_proportion_to_the_largest_count() -> None:
    chart = _bar_chart("SLA states", Counter({"met": 4, "breached": 2}))
    assert chart.index(">met<") < chart.index(">breached<")
    assert f"width='{CHART_WIDTH}'" in chart and f"width='{CHART_WIDTH // 2}'" in chart
