"""The pages `leadsync demo` writes, as a reader opens them: the review report and the published definition."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import ConsoleLog

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / ".leadsync" / "report" / "report.html"
DEFINITION = REPO / ".leadsync" / "definition.html"
CHARTS = ("Applied corrections by rule", "SLA states")


def test_report_shows_its_charts_and_tables(page: Page, console: ConsoleLog, screenshots: Path) -> None:
    _open(page, REPORT)
    expect(page).to_have_title(re.compile(r"^Lead definition review"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lead definition review")
    for title in CHARTS:
        chart = page.locator(f"h2:text-is('{title}') + svg")
        expect(chart).to_be_visible()
        _bars_are_drawn(chart, title)
    by_rule = _chart_values(page.locator("h2:text-is('Applied corrections by rule') + svg"))
    assert by_rule == _table_column(page, "Corrections by rule", "applied"), "the chart and its table disagree"
    for title in ("SLA compliance by stage", "Time in current stage (hours)", "Definition violations"):
        table = page.locator(f"h2:text-is('{title}') + table")
        expect(table.get_by_role("row").nth(1)).to_be_visible()  # a header row and at least one row of data
    page.screenshot(path=screenshots / "report.png", full_page=True)
    assert console.errors == []


def test_definition_shows_every_stage_and_the_calendar(page: Page, console: ConsoleLog, screenshots: Path) -> None:
    lifecycle = yaml.safe_load((REPO / "definitions" / "lifecycle.yaml").read_text())
    _open(page, DEFINITION)
    expect(page.get_by_role("heading", level=1)).to_have_text(lifecycle["name"])
    expect(page.get_by_text(re.compile(r"^Version \S+\. Converted leads count as at least"))).to_be_visible()
    for stage in lifecycle["stages"]:
        expect(page.get_by_role("heading", level=2, name=f"{stage['label']} ({stage['key']})")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Business calendar")).to_be_visible()
    expect(page.get_by_text("Time zone:")).to_be_visible()
    # The published definition has no chart (no SVG); its content is the stages' sentences, criteria and mappings.
    page.screenshot(path=screenshots / "definition.png", full_page=True)
    assert console.errors == []


def _open(page: Page, path: Path) -> None:
    if not path.exists():
        raise AssertionError(f"{path.relative_to(REPO)} is missing: run `make demo` first (`make test-browser` does it)")
    page.goto(path.as_uri(), wait_until="load")


def _bars_are_drawn(chart: Locator, title: str) -> None:
    bars = chart.locator("rect")
    assert bars.count() >= 1, f"the chart {title!r} has no bar"
    for index in range(bars.count()):
        box = bars.nth(index).bounding_box()
        assert box is not None and box["height"] > 0, f"bar {index} of {title!r} is not drawn"


def _chart_values(chart: Locator) -> dict[str, str]:
    """A bar chart's labels and values: its text elements alternate label, value."""
    texts = chart.locator("text").all_text_contents()  # SVG elements have no innerText
    return dict(zip(texts[0::2], texts[1::2], strict=True))


def _table_column(page: Page, title: str, column: str) -> dict[str, str]:
    table = page.locator(f"h2:text-is('{title}') + table")
    headers = table.locator("th").all_inner_texts()
    rows = [row.locator("td").all_inner_texts() for row in table.get_by_role("row").all()[1:]]
    return {cells[0]: cells[headers.index(column)] for cells in rows}
