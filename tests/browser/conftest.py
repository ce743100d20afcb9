"""Headless Debian Chromium driven by Playwright: the browser, a page per test, its console, the screenshot directory.

Every console error and uncaught page error of the session is written to `.leadsync/screenshots/console.txt`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / ".leadsync" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
INSTALL_HINT = "install (or repair) Debian's chromium with `bash .ci/install-chromium`; Playwright downloads no browser"

# A 2-core machine: the Prefect UI's first load and its API calls can take several seconds.
expect.set_options(timeout=30_000)


@dataclass
class ConsoleLog:
    """What a page reported: `console.error` messages (failed resource loads included) and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: uncaught {error.name}: {error.message}"))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error":
            source = message.location.get("url") or ""
            self.errors.append(f"{page.url}: console.error: {message.text}" + (f" [{source}]" if source else ""))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium, once for the session; a clear failure (never a skip) when it cannot start."""
    if not CHROMIUM.exists():
        raise AssertionError(f"Chromium is missing at {CHROMIUM}: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        except PlaywrightError as exc:
            raise AssertionError(f"Chromium at {CHROMIUM} could not start: {INSTALL_HINT}.\n{exc.message}") from exc
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def console_record(screenshots: Path) -> Iterator[dict[str, list[str]]]:
    """Each test's console errors, written out (and printed) when the session ends."""
    record: dict[str, list[str]] = {}
    yield record
    lines = [f"{test}: {len(errors)} error(s)\n" + "".join(f"  {e}\n" for e in errors) for test, errors in record.items()]
    (screenshots / "console.txt").write_text("".join(lines))
    print("\nbrowser console errors, by test:\n" + "".join(lines))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.set_default_navigation_timeout(90_000)
    yield tab
    context.close()


@pytest.fixture
def console(page: Page, console_record: dict[str, list[str]], request: pytest.FixtureRequest) -> Iterator[ConsoleLog]:
    log = ConsoleLog()
    log.attach(page)
    yield log
    console_record[request.node.name] = log.errors
