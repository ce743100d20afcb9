"""`state`: each test runs over every RunState — the fake, SQLite, and PostgreSQL when LEADSYNC_TEST_DATABASE_URL is
set (a fresh schema, dropped after the test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.fakes.state import FakeRunState
from connectors.ports import RunState
from connectors.store import schema
from connectors.store.sql_state import open_run_state
from tests.flows.conftest import BACKENDS, _fresh_postgres


@pytest.fixture(params=BACKENDS)
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunState]:
    if request.param == "memory":
        yield FakeRunState()
        return
    store = open_run_state(f"sqlite:///{tmp_path}/state-{uuid.uuid4().hex[:6]}.db") if request.param == "sqlite" \
        else _fresh_postgres()
    yield store
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as connection:
            schema.metadata.drop_all(connection)
    store.close()
