"""Shared fixtures: a clean environment for every test, and the repository's paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples every run (no flaky reds); `--hypothesis-profile thorough` explores far more.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=150)
settings.register_profile("dev", deadline=None, max_examples=150)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEFINITIONS = REPO / "definitions"
EXAMPLE_DEFINITIONS = REPO / "definitions" / "examples"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A developer's LEADSYNC_* variables must not change what a test sees (except when re-recording cassettes).

    Kept: LEADSYNC_TEST_DATABASE_URL, and LEADSYNC_SANDBOX_* (the credentials the sandbox expects, e.g. canaries).
    """
    if os.environ.get("LEADSYNC_RECORD") == "1":
        yield
        return
    for name in list(os.environ):
        if name.startswith("LEADSYNC_") and not _kept(name):
            monkeypatch.delenv(name)
    yield


def _kept(name: str) -> bool:
    return name == "LEADSYNC_TEST_DATABASE_URL" or name.startswith("LEADSYNC_SANDBOX_")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """Both emulators, seeded with 2,000 people from the default definition, for the whole test session."""
    from sandbox.launch import run_sandbox
    from tests.factories import compiled

    with run_sandbox(definition=compiled(DEFAULT_DEFINITIONS), leads=2_000, seed=7) as handle:
        yield handle
