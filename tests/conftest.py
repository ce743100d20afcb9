"""Shared fixtures: a clean environment for every test, and the repository's paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEFINITIONS = REPO / "definitions"
EXAMPLE_DEFINITIONS = REPO / "definitions" / "examples"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A developer's LEADSYNC_* variables must not change what a test sees."""
    for name in list(os.environ):
        if name.startswith("LEADSYNC_") and name != "LEADSYNC_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    yield
