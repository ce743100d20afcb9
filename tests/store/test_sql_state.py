"""The SQL store itself: migrations, lock races with real concurrency, stale-lock takeover, UTC round trips."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from connectors.errors import RunLockedError
from connectors.ports import CachedOwnerName
from connectors.store import schema
from connectors.store.sql_state import SqlRunState, open_run_state
from mapping.sla import Observed
from tests.flows.conftest import POSTGRES, _fresh_postgres

URLS = ["sqlite", *(["postgresql"] if POSTGRES else [])]


@pytest.fixture(params=URLS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/state.db"
        return
    _fresh_postgres().close()
    yield str(POSTGRES)
    store = open_run_state(str(POSTGRES))
    with store.engine.begin() as connection:
        schema.metadata.drop_all(connection)
    store.close()


def test_migrations_run_forward_from_empty_and_are_idempotent(store_url: str) -> None:
    store = open_run_state(store_url)
    with store.engine.begin() as connection:
        assert schema.current_version(connection) == schema.LATEST
        assert schema.migrate(connection) == schema.LATEST
    assert {"runs", "audit_log", "sla_clocks", "locks", "owner_names"} <= set(inspect(store.engine).get_table_names())
    store.close()


def test_a_helper_s_store_commits_without_waiting_for_the_disk_and_a_run_s_does(store_url: str) -> None:
    show = "PRAGMA synchronous" if store_url.startswith("sqlite") else "SHOW synchronous_commit"
    found = {}
    for durable in (True, False):
        store = open_run_state(store_url, durable=durable)
        with store.engine.connect() as connection:
            found[durable] = str(connection.exec_driver_sql(show).scalar())
        store.close()
    # SQLite: FULL (2) syncs at each commit, NORMAL (1) at checkpoints; PostgreSQL: on / off
    assert found == ({True: "2", False: "1"} if store_url.startswith("sqlite") else {True: "on", False: "off"})


def test_a_version_one_database_is_migrated_to_the_latest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/v1.db"
    engine = create_engine(url)
    with engine.begin() as connection:
        schema.metadata.create_all(connection, tables=[schema.schema_version])
        connection.execute(text("CREATE TABLE runs (id VARCHAR(36) PRIMARY KEY, kind VARCHAR(32) NOT NULL, "
                                "started_at DATETIME NOT NULL, finished_at DATETIME, status VARCHAR(32) NOT NULL, "
                                "parameters JSON, counts JSON)"))
        connection.execute(schema.schema_version.insert().values(version=1, applied_at=datetime.now(UTC)))
    engine.dispose()

    store = open_run_state(url)
    run_id = store.start_run("sync", {})
    store.save_findings(run_id, {"violations": [{"record_id": "x"}]})
    assert store.latest_findings() == {"violations": [{"record_id": "x"}]}
    store.close()


def test_a_version_three_database_gains_the_owner_name_cache_and_keeps_its_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/v3.db"
    engine = create_engine(url)
    with engine.begin() as connection:
        assert schema.migrate(connection, target=3) == 3
        connection.execute(schema.runs.insert().values(id="r1", kind="sync", started_at=datetime.now(UTC),
                                                       status="succeeded"))
    assert "owner_names" not in inspect(engine).get_table_names()
    engine.dispose()

    store = open_run_state(url)
    with store.engine.begin() as connection:
        assert schema.current_version(connection) == schema.LATEST
    assert [run["id"] for run in store.list_runs(5)] == ["r1"]
    fetched = datetime(2026, 11, 23, 9, tzinfo=UTC)
    store.save_owner_names("salesforce", {"005000000000001AAA": "Ada Lovelace"}, fetched)
    assert store.owner_names("salesforce", ["005000000000001AAA"]) == {
        "005000000000001AAA": CachedOwnerName("Ada Lovelace", fetched)}
    store.close()


def test_instants_come_back_utc_aware(store_url: str) -> None:
    store = open_run_state(store_url)
    from mapping.match import LeadPair, LinkKind
    from mapping.records import CanonicalLead

    lead = CanonicalLead("salesforce", "00Q1", "a@x.io", "mql", {}, {}, stage_entered_at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    store.record_observations([LeadPair(lead, None, LinkKind.NONE)], {"salesforce": datetime(2026, 11, 3, tzinfo=UTC)})
    assert store.watermark("salesforce") == datetime(2026, 11, 3, tzinfo=UTC)
    seen = store.first_observed([("salesforce", "00Q1")])[("salesforce", "00Q1")]
    assert seen == Observed("mql", datetime(2026, 11, 2, 9, tzinfo=UTC), estimated=False)
    assert seen.at.utcoffset() == timedelta(0)
    store.close()


def _race(store: SqlRunState, rounds: int) -> list[int]:
    """Threads with their own connections race for one lock per round; count the winners."""
    winners = []
    for round_number in range(rounds):
        won: list[str] = []
        barrier = threading.Barrier(4)

        def contend(name: str, barrier: threading.Barrier = barrier, kind: str = f"race-{round_number}",
                    won: list[str] = won) -> None:
            barrier.wait()
            if store._acquire(kind, name, timedelta(minutes=5)):
                won.append(name)

        threads = [threading.Thread(target=contend, args=(f"worker-{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners.append(len(won))
    return winners


def test_exactly_one_thread_wins_each_lock_race(store_url: str) -> None:
    store = open_run_state(store_url)
    assert _race(store, 20) == [1] * 20
    store.close()


def _take(url: str, kind: str, queue: multiprocessing.Queue[bool]) -> None:
    store = open_run_state(url)
    queue.put(store._acquire(kind, uuid.uuid4().hex, timedelta(minutes=5)))
    store.close()


def test_exactly_one_process_wins_a_lock_race(store_url: str) -> None:
    open_run_state(store_url).close()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[bool] = context.Queue()
    processes = [context.Process(target=_take, args=(store_url, "sync", queue)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert sorted(queue.get(timeout=5) for _ in processes) == [False, False, True]


def _open(url: str, queue: multiprocessing.Queue[str]) -> None:
    try:
        open_run_state(url).close()
        queue.put("ok")
    except Exception as error:  # noqa: BLE001 - the parent reports what each process met
        queue.put(repr(error))


def test_workers_starting_together_on_an_empty_database_all_migrate_it(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as connection:
        schema.metadata.drop_all(connection)
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = context.Queue()
    processes = [context.Process(target=_open, args=(store_url, queue)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [queue.get(timeout=5) for _ in processes] == ["ok"] * 4
    store = open_run_state(store_url)
    with store.engine.begin() as connection:
        assert schema.current_version(connection) == schema.LATEST
        assert connection.execute(text("SELECT COUNT(*) FROM schema_version")).scalar() == schema.LATEST
    store.close()


def test_a_held_lock_refuses_and_an_expired_one_is_taken_over(store_url: str) -> None:
    store = open_run_state(store_url)
    with store.lock("sync", "first", timedelta(hours=1)), pytest.raises(RunLockedError, match="already in progress"), \
            store.lock("sync", "second", timedelta(hours=1)):
        pass
    assert store._acquire("sweep", "crashed-worker", timedelta(seconds=-1))  # a lock its holder never released
    with store.lock("sweep", "next", timedelta(hours=1)):
        pass
    store.close()


def test_a_held_lock_is_kept_alive_by_its_heartbeat(store_url: str) -> None:
    store = open_run_state(store_url)
    with store.lock("sync", "long-run", timedelta(seconds=0.6)):
        import time

        time.sleep(1.2)  # twice the ttl: without the heartbeat another run could take over now
        assert not store._acquire("sync", "intruder", timedelta(seconds=0.6))
    store.close()


def test_a_version_four_database_gains_the_holds_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/v4.db"
    assert "holds" not in _tables_at_version(url, 4)
    store = open_run_state(url)
    assert "holds" in inspect(store.engine).get_table_names()
    store.close()


def _tables_at_version(url: str, version: int) -> list[str]:
    engine = create_engine(url)
    with engine.begin() as connection:
        assert schema.migrate(connection, target=version) == version
    tables = inspect(engine).get_table_names()
    engine.dispose()
    return tables


def test_lookups_by_record_seek_their_index_instead_of_scanning_the_table(tmp_path: Path) -> None:
    """Every query a run makes per page for a set of records names their system, so SQLite seeks the (system,
    record_id) key; by id alone it scanned the whole table (a million rows per page at a million leads)."""
    from sqlalchemy import event

    store = open_run_state(f"sqlite:///{tmp_path}/state.db")
    statements: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", keep)
    keys = [key for n in range(3) for key in (("salesforce", f"00Q{n:015d}"), ("hubspot", str(n)))]
    run_id = store.start_run("sync", {})
    since = datetime(2026, 1, 1, tzinfo=UTC)
    statements.clear()
    store.first_observed(keys)
    store.recent_corrections(keys, since)
    store.holds(keys, "v1")
    store.lead_history(keys)
    store.clock_rows(keys)
    store.items_of(run_id, "correction", keys)
    store.record_observations([], {}, since)
    event.remove(store.engine, "before_cursor_execute", keep)
    assert len(statements) >= 6
    tables = ("lead_state", "audit_log", "holds", "sla_clocks", "run_items")
    with store.engine.connect() as connection:
        for sql, params in statements:
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            assert not any(f"SCAN {table}" in plan for table in tables), (sql, plan)
    store.close()
