"""End-to-end fixtures: one Prefect test harness per session, a fresh seeded sandbox and state store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from sandbox.launch import SandboxHandle, run_sandbox
from tests.conftest import DEFAULT_DEFINITIONS


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=180), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture
def world(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxHandle]:
    """A sandbox of 400 people wired into the environment the flows read, with a fresh SQLite state store."""
    with run_sandbox(leads=400, seed=11, definitions=DEFAULT_DEFINITIONS) as handle:
        wire_environment(monkeypatch, handle, f"sqlite:///{tmp_path}/state.db", DEFAULT_DEFINITIONS)
        yield handle


def wire_environment(monkeypatch: pytest.MonkeyPatch, handle: SandboxHandle, database_url: str,
                     definitions: Path) -> None:
    """The variables a run reads: the sandbox's credentials and CA, a state store, a definition."""
    for name, value in handle.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADSYNC_DEFINITIONS", str(definitions))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.facts()["salesforce"]["ca_bundle"])
