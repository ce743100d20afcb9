"""Every orchestration test runs over each state store: the fake (in memory), SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from connectors.fakes.state import FakeRunState
from connectors.ports import RunState
from connectors.store import schema
from connectors.store.sql_state import SqlRunState, open_run_state

POSTGRES = os.environ.get("LEADSYNC_TEST_DATABASE_URL")
BACKENDS = ["memory", "sqlite", *(["postgresql"] if POSTGRES else [])]


@pytest.fixture(params=BACKENDS)
def make_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], RunState]]:
    yield from _stores(request.param, tmp_path)


@pytest.fixture(params=BACKENDS[1:])
def shared_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], SqlRunState]]:
    """Only the stores another process can open (a SQLite file, PostgreSQL)."""
    yield from _stores(request.param, tmp_path)


def _stores(backend: str, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    stores: list[SqlRunState] = []

    def build() -> RunState:
        if backend == "memory":
            return FakeRunState()
        if backend == "sqlite":
            store = open_run_state(f"sqlite:///{tmp_path}/state-{uuid.uuid4().hex[:6]}.db")
        else:
            store = _fresh_postgres()
        stores.append(store)
        return store

    yield build
    for store in stores:
        if store.engine.dialect.name == "postgresql":
            with store.engine.begin() as connection:
                schema.metadata.drop_all(connection)
        store.close()


def _fresh_postgres() -> SqlRunState:
    """A clean schema each time: drop whatever a previous test left, then migrate."""
    assert POSTGRES
    store = open_run_state(POSTGRES)
    with store.engine.begin() as connection:
        schema.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS schema_version"))
    store.close()
    return open_run_state(POSTGRES)


def audit_statuses(state: Any) -> list[str]:
    if isinstance(state, FakeRunState):
        return [row.status for row in state.audit]
    audit = schema.audit_log
    with state.engine.begin() as connection:
        return list(connection.execute(select(audit.c.status).where(audit.c.kind != "skip").order_by(audit.c.id)).scalars())
