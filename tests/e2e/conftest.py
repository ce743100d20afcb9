"""End-to-end fixtures: one Prefect test harness and one seeded sandbox per session; each test gets the sandbox put
back to its seeded state and a fresh state store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from sandbox.launch import SandboxHandle, run_sandbox
from tests.conftest import DEFAULT_DEFINITIONS
from tests.factories import compiled


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=180), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="session")
def seeded_sandbox() -> Iterator[SandboxHandle]:
    """A sandbox of 400 people from the default definition, served for the whole session (use `world`)."""
    with run_sandbox(definition=compiled(DEFAULT_DEFINITIONS), leads=400, seed=11) as handle:
        yield handle


@pytest.fixture
def world(prefect_harness: None, seeded_sandbox: SandboxHandle, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> SandboxHandle:
    """The session's sandbox, reset to its 400 seeded people, wired into the environment the flows read, with a
    fresh SQLite state store."""
    seeded_sandbox.reset()
    wire_environment(monkeypatch, seeded_sandbox, f"sqlite:///{tmp_path}/state.db", DEFAULT_DEFINITIONS)
    return seeded_sandbox


def wire_environment(monkeypatch: pytest.MonkeyPatch, handle: SandboxHandle, database_url: str,
                     definitions: Path) -> None:
    """The variables a run reads: the sandbox's credentials and CA, a state store, a definition."""
    for name, value in handle.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADSYNC_DEFINITIONS", str(definitions))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.facts()["salesforce"]["ca_bundle"])
