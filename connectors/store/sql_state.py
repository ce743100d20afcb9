"""`SqlRunState`: the durable `RunState` for SQLite and PostgreSQL; batched statements, one transaction per record."""

from __future__ import annotations

import fcntl
import json
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, and_, bindparam, create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from connectors.errors import ConfigurationError, ConnectorError, RunLockedError
from connectors.ports import (
    OBSERVED,
    CachedOwnerName,
    Hold,
    PulledRecord,
    RawRecord,
    SlaTransitions,
    Snapshot,
    StageEvidence,
    WriteOutcome,
)
from connectors.snapshots import range_ends
from connectors.store import funnel_store
from connectors.store import schema as t
from connectors.store.holders import SEPARATOR, holder_is_dead, holder_tag
from connectors.store.keys import system_chunks
from connectors.store.run_items import SqlRunItems
from mapping.funnel import FunnelPage
from mapping.funnel_counts import CohortCount, ReasonCount, SlaCount, SpanCount, VelocityCount, ended_state, ends_clock
from mapping.funnel_periods import PeriodGrid
from mapping.plan import Correction, Skipped
from mapping.sla import Observed, SlaEntry
from mapping.sla_clock import SlaState

CHUNK = 500
NAME_CHARS = 255  # the owner_names.name column
RUNNING = (SlaState.ON_TRACK.value, SlaState.AT_RISK.value, SlaState.BREACHED.value)
Key = tuple[str, str]
DATABASE_URL_VARIABLE = "LEADSYNC_DATABASE_URL"


class StateStoreError(ConnectorError):
    """The state store failed. Raised `from None`: a SQLAlchemy error's text holds the statement, its parameters
    (emails, record data) and the connection URL; only its type name is kept."""

    def __init__(self, operation: str, error: Exception) -> None:
        super().__init__("state", operation, "database error")
        self.translating(error)


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_run_state(url: str | SecretStr, *, durable: bool = True) -> SqlRunState:
    """Open (and migrate) the store at a SQLAlchemy URL; SQLite files get their directory created.

    The URL may hold a password: it is unwrapped here, where the engine is made, and named in no error.
    `durable=False`: a commit does not wait for the disk. Only for a helper process whose writes the run that started
    it commits after them (a power cut loses nothing that run recorded as done: its own commit syncs the write-ahead
    log, every earlier commit's records included, on SQLite as on PostgreSQL).
    """
    engine = _engine(url.get_secret_value() if isinstance(url, SecretStr) else url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas if durable else _sqlite_pragmas_undurable)
    elif not durable:
        event.listen(engine, "connect", _postgres_undurable)
    store = SqlRunState(engine)
    with _migration_turn(engine), store._begin("migrate") as connection:
        t.migrate(connection)
    return store


@contextmanager
def _migration_turn(engine: Engine) -> Iterator[None]:
    """Processes opening one new SQLite file take turns (PostgreSQL's turn is an advisory lock in `migrate`).

    pysqlite runs DDL outside transactions, so two first openers could both create the same table. The lock is a
    file of its own: closing any descriptor of the database file itself would drop SQLite's own POSIX locks.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(parsed, pool_pre_ping=True, json_deserializer=_json_loads)
    except (SQLAlchemyError, ValueError, ImportError) as exc:  # their texts quote the URL, password included
        problem = f"not a usable SQLAlchemy URL ({type(exc).__name__}), e.g. postgresql+psycopg://user:PASSWORD@host/db"
        raise ConfigurationError(DATABASE_URL_VARIABLE, problem) from None


def _json_loads(text: str | bytes) -> Any:
    """orjson where it can (snapshots are most of a replay's reads); `json` for what orjson refuses (NaN, huge ints)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL waits for a lock too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _postgres_undurable(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    dbapi_connection.commit()


def _sqlite_pragmas_undurable(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: the log is synced at checkpoints, not each commit
    cursor.close()


class SqlRunState(SqlRunItems):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next_seq = {}
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _begin(self, operation: str) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StateStoreError(operation, exc) from None

    # --- runs and locks ---------------------------------------------------------------------------------

    def start_run(self, kind: str, parameters: Mapping[str, Any]) -> str:
        run_id = str(uuid.uuid4())
        with self._begin("start_run") as c:
            c.execute(insert(t.runs).values(id=run_id, kind=kind, started_at=_now(), status="running",
                                            parameters=dict(parameters)))
        return run_id

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, int]) -> None:
        with self._begin("finish_run") as c:
            c.execute(update(t.runs).where(t.runs.c.id == run_id).values(status=status, counts=dict(counts),
                                                                         finished_at=_now()))

    def list_runs(self, limit: int) -> list[dict[str, Any]]:
        with self._begin("list_runs") as c:
            rows = c.execute(select(t.runs.c.id, t.runs.c.kind, t.runs.c.started_at, t.runs.c.finished_at,
                                    t.runs.c.status, t.runs.c.counts).order_by(t.runs.c.started_at.desc()).limit(limit))
            return [dict(row._mapping) for row in rows]

    def list_audit(self, status: str, limit: int) -> list[dict[str, Any]]:
        """The newest write rows with this status (e.g. applied), newest last."""
        a = t.audit_log.c
        with self._begin("list_audit") as c:
            rows = c.execute(select(t.audit_log).where(and_(a.kind == "write", a.status == status))
                             .order_by(a.id.desc()).limit(limit))
            return [dict(row._mapping) for row in rows][::-1]

    @contextmanager
    def lock(self, kind: str, holder: str, ttl: timedelta) -> Iterator[None]:
        """Held while the block runs and kept alive by a heartbeat, so a killed holder's lock expires within `ttl`;
        a holder on this host whose process is gone loses it at once."""
        ttl = ttl or timedelta(minutes=5)
        holder = holder_tag(holder)
        if not self._acquire(kind, holder, ttl):
            with self._begin("lock") as c:
                current = c.execute(select(t.locks.c.holder).where(t.locks.c.kind == kind)).scalar()
            raise RunLockedError(kind, str(current or "unknown"))
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(kind, holder, ttl, stop), daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join(timeout=5)
            with self._begin("unlock") as c:
                c.execute(delete(t.locks).where(and_(t.locks.c.kind == kind, t.locks.c.holder == holder)))

    def _heartbeat(self, kind: str, holder: str, ttl: timedelta, stop: threading.Event) -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                with self.engine.begin() as c:
                    c.execute(update(t.locks).where(and_(t.locks.c.kind == kind, t.locks.c.holder == holder))
                              .values(expires_at=_now() + ttl))
            except SQLAlchemyError:
                continue  # the next beat tries again; the lock only lapses if beats fail for a whole ttl

    def _acquire(self, kind: str, holder: str, ttl: timedelta) -> bool:
        now = _now()
        try:
            with self.engine.begin() as c:
                c.execute(insert(t.locks).values(kind=kind, holder=holder, acquired_at=now, expires_at=now + ttl))
            return True
        except IntegrityError:
            pass
        except SQLAlchemyError as exc:
            raise StateStoreError("lock", exc) from None
        with self._begin("lock") as c:  # take over a lock whose holder let it expire, or died on this host
            lk = t.locks.c
            current = c.execute(select(lk.holder).where(lk.kind == kind)).scalar()
            stale = lk.expires_at < now
            if current is not None and holder_is_dead(str(current)):
                stale = or_(stale, lk.holder == current)
            taken = c.execute(update(t.locks).where(and_(lk.kind == kind, stale))
                              .values(holder=holder, acquired_at=now, expires_at=now + ttl))
            return taken.rowcount == 1

    # --- watermarks, links, observations -------------------------------------------------------------------

    def watermark(self, system: str) -> datetime | None:
        with self._begin("watermark") as c:
            return c.execute(select(t.watermarks.c.instant).where(t.watermarks.c.system == system)).scalar()

    def links_for_hubspot(self, hubspot_ids: Sequence[str]) -> dict[str, str]:
        return self._links(t.identity_links.c.hubspot_id, hubspot_ids, reverse=False)

    def links_for_salesforce(self, salesforce_ids: Sequence[str]) -> dict[str, str]:
        return self._links(t.identity_links.c.salesforce_id, salesforce_ids, reverse=True)

    def _links(self, column: Any, ids: Sequence[str], reverse: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._begin("links") as c:
            for chunk in _chunks(list(ids)):
                for hs, sf in c.execute(select(t.identity_links.c.hubspot_id, t.identity_links.c.salesforce_id)
                                        .where(column.in_(chunk))):
                    if reverse:
                        found[sf] = hs
                    else:
                        found[hs] = sf
        return found

    def first_observed(self, keys: Sequence[Key]) -> dict[Key, Observed]:
        with self._begin("first_observed") as c:
            return {key: seen for key, (seen, _) in self._stages(c, list(keys)).items()}

    def record_observations(self, pairs: Sequence[Any], watermarks: Mapping[str, datetime],
                            observed_at: datetime | None = None) -> None:
        now = _now()
        at = observed_at or now
        leads = {lead.key: lead for pair in pairs for lead in (pair.crm, pair.ma) if lead is not None}
        links = {pair.ma.record_id: pair.crm.record_id for pair in pairs if pair.crm is not None and pair.ma is not None}
        with self._begin("record_observations") as c:
            known = self._stages(c, list(leads))
            rows = []
            for key, lead in leads.items():
                prior, prior_entered = known.get(key, (None, None))
                entered = lead.stage_entered_at
                if prior is not None and prior.stage == lead.stage:
                    # Same stage as before: keep when it was first seen, and an entry leadsync recorded (its own move).
                    first, entered = prior.at, entered or prior_entered
                else:
                    first = entered or at
                rows.append({"system": key[0], "record_id": key[1], "stage": lead.stage,
                             "stage_entered_at": entered, "first_observed_at": first, "last_seen_at": now})
            self._upsert(c, t.lead_state, rows, ["system", "record_id"])
            self._upsert(c, t.identity_links, [{"hubspot_id": hs, "salesforce_id": sf, "first_linked_at": now,
                                                "last_seen_at": now} for hs, sf in links.items()],
                         ["hubspot_id"], keep=["first_linked_at"])
            self._upsert(c, t.watermarks, [{"system": s, "instant": at} for s, at in watermarks.items()], ["system"])

    def _stages(self, c: Connection, keys: list[Key]) -> dict[Key, tuple[Observed, datetime | None]]:
        """Each record's `lead_state` row: what it says, and the entry instant it recorded (None: not known)."""
        wanted = set(keys)
        found: dict[Key, tuple[Observed, datetime | None]] = {}
        ls = t.lead_state.c
        for system, chunk in system_chunks(keys, CHUNK):
            rows = c.execute(select(ls.system, ls.record_id, ls.stage, ls.first_observed_at, ls.stage_entered_at)
                             .where(and_(ls.system == system, ls.record_id.in_(chunk))))
            found.update({(s, r): (Observed(stage, at, entered is None), entered)
                          for s, r, stage, at, entered in rows if (s, r) in wanted})
        return found

    def _upsert(self, c: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str],
                keep: Sequence[str] = ()) -> None:
        if not rows:
            return
        # Key order: two runs upserting overlapping rows lock them in the same order (no PostgreSQL deadlock).
        rows = sorted(rows, key=lambda row: tuple(str(row[k]) for k in keys))
        statement = self._insert(table)
        changing = {col: statement.excluded[col] for col in rows[0] if col not in keys and col not in keep}
        upsert = (statement.on_conflict_do_update(index_elements=keys, set_=changing) if changing
                  else statement.on_conflict_do_nothing(index_elements=keys))
        for chunk in _chunks(rows, 5 * CHUNK):
            c.execute(upsert, list(chunk))  # executemany: one compiled statement, batched by the driver

    # --- audit -----------------------------------------------------------------------------------------------

    def _audit_row(self, run_id: str, kind: str, c: Correction, status: str, now: datetime) -> dict[str, Any]:
        return {"run_id": run_id, "kind": kind, "system": c.system, "record_id": c.record_id, "field": c.field,
                "step": c.step, "before": c.before, "after": c.after, "stage_before": c.stage_before,
                "stage_after": c.stage_after, "rule": c.rule, "reason": c.reason,
                "definition_version": c.definition_version, "status": status, "at": now, "updated_at": now}

    def record_planned(self, run_id: str, corrections: Sequence[Correction], skipped: Sequence[Skipped], status: str) -> None:
        now = _now()
        rows = [self._audit_row(run_id, "plan", c, status, now) for c in corrections] if status in ("planned", "blocked") else []
        rows += [{"run_id": run_id, "kind": "skip", "system": s.system, "record_id": s.record_id, "field": "(stage)",
                  "step": 0, "before": None, "after": None, "stage_before": s.stage_before, "stage_after": s.stage_after,
                  "rule": f"skip:{s.reason.value}", "reason": None, "definition_version": None, "status": "skipped",
                  "at": now, "updated_at": now} for s in skipped]
        with self._begin("record_planned") as c:
            if rows:
                c.execute(self._insert(t.audit_log).on_conflict_do_nothing(), rows)

    def record_intents(self, run_id: str, corrections: Sequence[Correction]) -> None:
        now = _now()
        rows = [self._audit_row(run_id, "write", x, "pending", now) for x in corrections]
        with self._begin("record_intents") as c:
            if rows:
                c.execute(self._insert(t.audit_log).on_conflict_do_nothing(), rows)

    def record_outcomes(self, run_id: str, results: Sequence[tuple[Correction, WriteOutcome]],
                        verified: set[tuple[str, str, int]]) -> None:
        now = _now()
        params = [{**_row_key(run_id, c), "b_status": o.status or ("applied" if o.ok else "failed"), "b_code": o.code,
                   "b_message": (o.message or "")[:1000] or None, "b_at": now} for c, o in results]
        with self._begin("record_outcomes") as c:
            if params:
                c.execute(_WRITE_ROW.values(status=bindparam("b_status"), code=bindparam("b_code"),
                                            message=bindparam("b_message"), updated_at=bindparam("b_at")), params)

    def pending_intents(self, system: str) -> list[tuple[str, Correction]]:
        a = t.audit_log.c
        with self._begin("pending_intents") as c:
            rows = c.execute(select(t.audit_log).where(and_(a.status == "pending", a.system == system)))
            return [(row.run_id, _correction(row)) for row in rows]

    def settle_intents(self, items: Sequence[tuple[str, Correction, bool]]) -> None:
        now = _now()
        params = [{**_row_key(run_id, c), "b_status": "applied" if ok else "abandoned", "b_at": now}
                  for run_id, c, ok in items]
        with self._begin("settle_intents") as c:
            if params:
                c.execute(_WRITE_ROW.values(status=bindparam("b_status"), updated_at=bindparam("b_at")), params)

    def recent_corrections(self, keys: Sequence[Key], since: datetime) -> dict[Key, list[datetime]]:
        a = t.audit_log.c
        wanted = set(keys)
        found: dict[Key, list[datetime]] = {}
        with self._begin("recent_corrections") as c:
            for system, chunk in system_chunks(keys, CHUNK):
                rows = c.execute(select(a.system, a.record_id, a.updated_at).where(
                    and_(a.status == "applied", a.kind == "write", a.updated_at >= since, a.system == system,
                         a.record_id.in_(chunk))))
                for s, r, at in rows:
                    if (s, r) in wanted:
                        found.setdefault((s, r), []).append(at)
        return found

    def applied_changes(self, run_id: str) -> list[Correction]:
        a = t.audit_log.c
        with self._begin("applied_changes") as c:
            rows = c.execute(select(t.audit_log).where(and_(a.run_id == run_id, a.kind == "write", a.status == "applied"))
                             .order_by(a.id))
            return [_correction(row) for row in rows]

    def mark_reverted(self, run_id: str, fields: Sequence[tuple[str, str, str]]) -> None:
        a = t.audit_log.c
        statement = update(t.audit_log).where(and_(
            a.run_id == run_id, a.kind == "write", a.status == "applied", a.system == bindparam("b_system"),
            a.record_id == bindparam("b_record"), a.field == bindparam("b_field"))).values(status="reverted", updated_at=_now())
        with self._begin("mark_reverted") as c:
            if fields:
                c.execute(statement, [{"b_system": s, "b_record": r, "b_field": f} for s, r, f in fields])

    def correction_counts(self, since: datetime) -> list[tuple[str, str, int]]:
        a = t.audit_log.c
        with self._begin("correction_counts") as c:
            rows = c.execute(select(a.rule, a.status, func.count()).where(and_(a.kind != "skip", a.updated_at >= since))
                             .group_by(a.rule, a.status).order_by(a.rule, a.status))
            return [(rule, status, int(n)) for rule, status, n in rows]

    # --- SLA clocks ---------------------------------------------------------------------------------------------

    def upsert_sla(self, entries: Sequence[SlaEntry], as_of: datetime) -> SlaTransitions:
        transitions = SlaTransitions()
        by_key = {(e.system, e.record_id): e for e in entries}
        with self._begin("upsert_sla") as c:
            existing = self._clocks(c, list(by_key))
            changed = 0
            ended = [_ended_clock_row(row, as_of) for key, entry in by_key.items() if (row := existing.get(key)) is not None
                     and ends_clock(row.stage, row.started_at, entry.stage, entry.started_at)]
            self._upsert(c, t.sla_clock_history, ended, ["system", "record_id", "stage", "started_at"])
            for key, entry in by_key.items():
                row = existing.get(key)
                state, stage, flagged = (row.state, row.stage, row.flagged_stage) if row is not None else (None, None, None)
                changed += state != entry.state.value or stage != entry.stage
                if entry.state is SlaState.BREACHED and flagged != entry.stage:
                    transitions.new_breaches.append(entry)
                elif entry.state is not SlaState.BREACHED and flagged is not None:
                    transitions.cleared.append(key)
            self._upsert(c, t.sla_clocks, [_clock_row(e, as_of) for e in by_key.values()], ["system", "record_id"],
                         keep=["flagged_stage", "flagged_at", "cleared_at"])
        return SlaTransitions(transitions.new_breaches, transitions.cleared, changed)

    def _clocks(self, c: Connection, keys: list[Key]) -> dict[Key, Any]:
        s = t.sla_clocks.c
        wanted = set(keys)
        found: dict[Key, Any] = {}
        columns = (s.system, s.record_id, s.state, s.stage, s.flagged_stage, s.started_at, s.owner_id, s.due_at)
        for system, chunk in system_chunks(keys, CHUNK):
            for row in c.execute(select(*columns).where(and_(s.system == system, s.record_id.in_(chunk)))):
                if (row.system, row.record_id) in wanted:
                    found[(row.system, row.record_id)] = row
        return found

    def mark_flags(self, flagged: Sequence[tuple[str, str, str]], cleared: Sequence[Key], at: datetime) -> None:
        s = t.sla_clocks.c
        one = update(t.sla_clocks).where(and_(s.system == bindparam("b_system"), s.record_id == bindparam("b_record")))
        with self._begin("mark_flags") as c:
            if flagged:
                c.execute(one.values(flagged_stage=bindparam("b_stage"), flagged_at=at, cleared_at=None),
                          [{"b_system": sy, "b_record": r, "b_stage": st} for sy, r, st in flagged])
            if cleared:
                c.execute(one.values(flagged_stage=None, cleared_at=at),
                          [{"b_system": sy, "b_record": r} for sy, r in cleared])

    def open_clocks(self) -> list[Key]:
        s = t.sla_clocks.c
        with self._begin("open_clocks") as c:
            return [(r.system, r.record_id) for r in c.execute(select(s.system, s.record_id).where(s.state.in_(RUNNING))
                                                               .order_by(s.system, s.record_id))]

    def clock_states(self) -> list[tuple[str, str | None, str]]:
        s = t.sla_clocks.c
        with self._begin("clock_states") as c:
            return [(r.stage, r.owner_id, r.state) for r in c.execute(select(s.stage, s.owner_id, s.state))]

    def current_stages(self) -> list[tuple[str | None, datetime | None]]:
        l = t.lead_state.c
        with self._begin("current_stages") as c:
            return [(r.stage, r.stage_entered_at or r.first_observed_at)
                    for r in c.execute(select(l.stage, l.stage_entered_at, l.first_observed_at))]

    # --- checkpoints and findings ----------------------------------------------------------------------------------

    def done_keys(self, kind: str) -> set[str]:
        with self._begin("done_keys") as c:
            return set(c.execute(select(t.checkpoints.c.key).where(t.checkpoints.c.kind == kind)).scalars())

    def mark_done(self, kind: str, key: str, detail: Mapping[str, Any]) -> None:
        with self._begin("mark_done") as c:
            self._upsert(c, t.checkpoints, [{"kind": kind, "key": key, "detail": dict(detail), "done_at": _now()}],
                         ["kind", "key"])

    def save_findings(self, run_id: str, findings: Mapping[str, list[dict[str, Any]]]) -> None:
        with self._begin("save_findings") as c:
            c.execute(update(t.runs).where(t.runs.c.id == run_id).values(findings=dict(findings)))

    def latest_findings(self, kind: str | None = None) -> dict[str, list[dict[str, Any]]]:
        r = t.runs.c
        query = select(r.findings).where(r.findings.is_not(None))
        if kind is not None:
            query = query.where(r.kind == kind)
        with self._begin("latest_findings") as c:
            found = c.execute(query.order_by(r.started_at.desc()).limit(1)).scalar()
            return dict(found or {})

    # --- revisits: records a passing failure left uncorrected, read again by the next sync ----------------

    def add_revisits(self, items: Sequence[tuple[str, str, str | None]]) -> None:
        now = _now()
        rows = [{"system": system, "record_id": record_id, "code": code, "since": now} for system, record_id, code in items]
        with self._begin("add_revisits") as c:
            self._upsert(c, t.revisits, rows, ["system", "record_id"], keep=["since"])

    def revisits(self, system: str) -> list[str]:
        with self._begin("revisits") as c:
            return [r for (r,) in c.execute(select(t.revisits.c.record_id).where(t.revisits.c.system == system)
                                             .order_by(t.revisits.c.record_id))]

    def clear_revisits(self, keys: Sequence[Key]) -> None:
        r = t.revisits.c
        with self._begin("clear_revisits") as c:
            if keys:
                c.execute(delete(t.revisits).where(and_(r.system == bindparam("b_system"),
                                                        r.record_id == bindparam("b_record"))),
                          [{"b_system": system, "b_record": record_id} for system, record_id in keys])

    # --- holds: records a revert put back, kept from automatic correction under that definition version --------

    def hold(self, keys: Sequence[Key], definition_version: str, run_id: str, at: datetime) -> None:
        rows = [{"system": system, "record_id": record_id, "definition_version": definition_version, "run_id": run_id,
                 "held_at": at} for system, record_id in keys]
        with self._begin("hold") as c:
            self._upsert(c, t.holds, rows, ["system", "record_id"])

    def holds(self, keys: Sequence[Key], definition_version: str) -> dict[Key, Hold]:
        h = t.holds.c
        wanted = set(keys)
        found: dict[Key, Hold] = {}
        with self._begin("holds") as c:
            for system, chunk in system_chunks(wanted, CHUNK):
                rows = c.execute(select(t.holds).where(and_(h.system == system, h.record_id.in_(chunk),
                                                            h.definition_version == definition_version)))
                found |= {(r.system, r.record_id): Hold(r.run_id, r.held_at, r.definition_version) for r in rows
                          if (r.system, r.record_id) in wanted}
        return found

    def release(self, keys: Sequence[Key] | None = None, run_id: str | None = None) -> list[Key]:
        """Lift holds: of these records, or of one reverted run, or (neither given) every hold; the keys lifted."""
        h = t.holds.c
        wanted = set(keys) if keys is not None else None
        query = select(h.system, h.record_id).where(h.run_id == run_id) if run_id is not None else select(h.system, h.record_id)
        with self._begin("release") as c:
            lifted = [(s, r) for s, r in c.execute(query) if wanted is None or (s, r) in wanted]
            if lifted:
                c.execute(delete(t.holds).where(and_(h.system == bindparam("b_system"), h.record_id == bindparam("b_record"))),
                          [{"b_system": s, "b_record": r} for s, r in lifted])
        return sorted(lifted)

    # --- snapshots (what `definitions impact` replays) and a lead's story (what `explain` tells) --------------

    def save_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        now = _now()
        rows = [{"system": s.system, "record_id": s.record_id, "email": s.email, "record": s.record,
                 "history": s.history, "activities": s.activities, "observed_at": now} for s in snapshots]
        with self._begin("save_snapshots") as c:
            self._upsert(c, t.lead_snapshots, rows, ["system", "record_id"])

    def snapshot_page(self, system: str, after: str | None, size: int) -> list[Snapshot]:
        """Up to `size` snapshots of `system` ordered by record id, after `after` (keyset paging)."""
        with self._begin("snapshot_page") as c:
            return [_snapshot(row) for row in c.execute(_snapshot_keyset(t.lead_snapshots, system, after, size))]

    def snapshot_ids(self, system: str, after: str | None, size: int) -> list[str]:
        with self._begin("snapshot_ids") as c:
            return list(c.scalars(_snapshot_keyset(t.lead_snapshots.c.record_id, system, after, size)))

    def snapshot_cuts(self, system: str, parts: int, page: int, at_least: int = 1) -> list[str]:
        s = t.lead_snapshots.c
        with self._begin("snapshot_cuts") as c:
            count = c.scalar(select(func.count()).select_from(t.lead_snapshots).where(s.system == system)) or 0
            at = select(s.record_id).where(s.system == system).order_by(s.record_id).limit(1)
            return [str(c.scalar(at.offset(end - 1))) for end in range_ends(count, parts, page, at_least)]

    def shared_url(self) -> SecretStr | None:
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return None
        return SecretStr(url.render_as_string(hide_password=False))

    def snapshots(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]:
        return self._snapshots_where(system, t.lead_snapshots.c.record_id, record_ids)

    def snapshots_by_email(self, system: str, emails: Sequence[str]) -> list[Snapshot]:
        return self._snapshots_where(system, t.lead_snapshots.c.email, emails)

    def _snapshots_where(self, system: str, column: Any, values: Sequence[str]) -> list[Snapshot]:
        found: list[Snapshot] = []
        with self._begin("snapshots") as c:
            for chunk in _chunks(sorted(set(values))):
                query = select(t.lead_snapshots).where(and_(t.lead_snapshots.c.system == system, column.in_(chunk)))
                found += [_snapshot(row) for row in c.execute(query)]
        return found

    # --- a full run's whole pulls (its joins: partner and evidence lookups in SQL) ----------------------------

    def keep_pulled(self, run_id: str, records: Sequence[PulledRecord]) -> None:
        rows = list({(r.system, r.record_id): {
            "run_id": run_id, "system": r.system, "record_id": r.record_id, "modified_ms": r.modified_ms,
            "order_id": r.order_id, "email_key": r.email_key, "record": r.record} for r in records}.values())
        with self._begin("keep_pulled") as c:
            self._upsert(c, t.pulled_records, rows, ["run_id", "system", "record_id"])

    def keep_pulled_evidence(self, run_id: str, evidence: StageEvidence) -> None:
        rows = [{"run_id": run_id, "record_id": record_id, "kind": kind, "row": row}
                for kind, grouped in (("history", evidence.history), ("activity", evidence.activities))
                for record_id, found in grouped.items() for row in found]
        if rows:
            with self._begin("keep_pulled_evidence") as c:
                c.execute(insert(t.pulled_evidence), rows)

    def pulled_page(self, run_id: str, system: str, span_ms: tuple[int, int], after: tuple[int, str] | None,
                    size: int) -> list[PulledRecord]:
        p = t.pulled_records.c
        query = select(t.pulled_records).where(and_(p.run_id == run_id, p.system == system,
                                                    p.modified_ms >= span_ms[0], p.modified_ms < span_ms[1]))
        if after is not None:
            query = query.where(or_(p.modified_ms > after[0], and_(p.modified_ms == after[0], p.order_id > after[1])))
        with self._begin("pulled_page") as c:
            rows = c.execute(query.order_by(p.modified_ms, p.order_id).limit(size))
            return [PulledRecord(row.system, row.record_id, row.modified_ms, row.order_id, row.email_key,
                                 row.record) for row in rows]  # a fresh decode each: no copy needed

    def pulled(self, run_id: str, system: str, record_ids: Sequence[str]) -> list[RawRecord]:
        return self._pulled_where(run_id, system, t.pulled_records.c.record_id, record_ids)

    def pulled_by_email(self, run_id: str, system: str, email_keys: Sequence[str]) -> list[RawRecord]:
        return self._pulled_where(run_id, system, t.pulled_records.c.email_key, email_keys)

    def _pulled_where(self, run_id: str, system: str, column: Any, values: Sequence[str]) -> list[RawRecord]:
        p = t.pulled_records.c
        found: list[tuple[str, RawRecord]] = []
        with self._begin("pulled") as c:
            for chunk in _chunks(sorted(set(values))):
                rows = c.execute(select(p.order_id, p.record).where(and_(p.run_id == run_id, p.system == system,
                                                                         column.in_(chunk))))
                found += [(order_id, record) for order_id, record in rows]
        return [record for _, record in sorted(found, key=lambda item: item[0])]

    def pulled_evidence(self, run_id: str, record_ids: Sequence[str]) -> StageEvidence:
        e = t.pulled_evidence.c
        history: dict[str, list[RawRecord]] = {}
        activities: dict[str, list[RawRecord]] = {}
        with self._begin("pulled_evidence") as c:
            for chunk in _chunks(sorted(set(record_ids))):
                rows = c.execute(select(e.record_id, e.kind, e.row).where(and_(e.run_id == run_id, e.record_id.in_(chunk)))
                                 .order_by(e.id))
                for record_id, kind, row in rows:
                    (history if kind == "history" else activities).setdefault(record_id, []).append(dict(row))
        return StageEvidence(history, activities)

    def mark_planned(self, run_id: str, keys: Sequence[Key]) -> None:
        p = t.pulled_records.c
        with self._begin("mark_planned") as c:
            for system, chunk in system_chunks(keys, CHUNK):
                c.execute(update(t.pulled_records).where(and_(p.run_id == run_id, p.system == system,
                                                              p.record_id.in_(chunk))).values(planned=True))

    def planned_of(self, run_id: str, keys: Sequence[Key]) -> set[Key]:
        p = t.pulled_records.c
        found: set[Key] = set()
        with self._begin("planned_of") as c:
            for system, chunk in system_chunks(keys, CHUNK):
                rows = c.execute(select(p.record_id).where(and_(p.run_id == run_id, p.system == system, p.planned,
                                                                p.record_id.in_(chunk))))
                found.update((system, record_id) for (record_id,) in rows)
        return found

    def drop_pulled(self, run_id: str) -> None:
        with self._begin("drop_pulled") as c:
            c.execute(delete(t.pulled_records).where(t.pulled_records.c.run_id == run_id))
            c.execute(delete(t.pulled_evidence).where(t.pulled_evidence.c.run_id == run_id))

    def drop_orphaned(self) -> None:
        now = _now()
        with self._begin("drop_orphaned") as c:
            holders = c.execute(select(t.locks.c.holder).where(t.locks.c.expires_at >= now)).scalars().all()
            live = sorted({holder.rpartition(SEPARATOR)[0] or holder for holder in holders
                           if not holder_is_dead(holder)})
            c.execute(delete(t.pulled_records).where(t.pulled_records.c.run_id.not_in(live)))
            c.execute(delete(t.pulled_evidence).where(t.pulled_evidence.c.run_id.not_in(live)))
            i = t.run_items.c
            c.execute(delete(t.run_items).where(and_(i.kind == OBSERVED, i.run_id.not_in(live))))

    def lead_history(self, keys: Sequence[Key]) -> list[dict[str, Any]]:
        """Every audit row (planned, written, skipped) of these records, oldest first."""
        a = t.audit_log.c
        wanted = set(keys)
        rows: list[dict[str, Any]] = []
        with self._begin("lead_history") as c:
            for system, chunk in system_chunks(keys, CHUNK):
                found = c.execute(select(t.audit_log, t.runs.c.kind.label("run_kind"))
                                  .join(t.runs, t.runs.c.id == a.run_id, isouter=True)
                                  .where(and_(a.system == system, a.record_id.in_(chunk))))
                rows += [dict(row._mapping) for row in found if (row.system, row.record_id) in wanted]
        return sorted(rows, key=lambda row: (row["at"], row["id"]))

    def clock_rows(self, keys: Sequence[Key]) -> list[dict[str, Any]]:
        s = t.sla_clocks.c
        wanted = set(keys)
        with self._begin("clock_rows") as c:
            return [dict(row._mapping) for system, chunk in system_chunks(keys, CHUNK)
                    for row in c.execute(select(t.sla_clocks).where(and_(s.system == system, s.record_id.in_(chunk))))
                    if (row.system, row.record_id) in wanted]

    # --- owner names (what people read instead of ids) --------------------------------------------------------

    def owner_names(self, system: str, owner_ids: Sequence[str]) -> dict[str, CachedOwnerName]:
        o = t.owner_names.c
        found: dict[str, CachedOwnerName] = {}
        with self._begin("owner_names") as c:
            for chunk in _chunks(sorted(set(owner_ids))):
                rows = c.execute(select(o.owner_id, o.name, o.fetched_at).where(and_(o.system == system,
                                                                                    o.owner_id.in_(chunk))))
                found.update({owner_id: CachedOwnerName(name, at) for owner_id, name, at in rows})
        return found

    def save_owner_names(self, system: str, names: Mapping[str, str | None], fetched_at: datetime) -> None:
        rows = [{"system": system, "owner_id": owner_id, "name": name[:NAME_CHARS] if name else None,
                 "fetched_at": fetched_at} for owner_id, name in names.items()]
        with self._begin("save_owner_names") as c:
            self._upsert(c, t.owner_names, rows, ["system", "owner_id"])

    # --- the funnel's derived rows (connectors.store.funnel_store holds the SQL) ---------------------------------

    def save_funnel(self, page: FunnelPage) -> None:
        with self._begin("save_funnel") as c:
            funnel_store.save_page(c, self._upsert, page)

    def clear_funnel(self) -> None:
        with self._begin("clear_funnel") as c:
            funnel_store.clear(c)

    def funnel_versions(self) -> dict[str, int]:
        with self._begin("funnel_versions") as c:
            return funnel_store.versions(c)

    def funnel_as_of(self) -> datetime | None:
        with self._begin("funnel_as_of") as c:
            return funnel_store.last_as_of(c)

    def funnel_spans(self, grid: PeriodGrid, by: str) -> list[SpanCount]:
        with self._begin("funnel_spans") as c:
            return funnel_store.spans(c, grid, by)

    def funnel_cohorts(self, grid: PeriodGrid, by: str) -> list[CohortCount]:
        with self._begin("funnel_cohorts") as c:
            return funnel_store.cohorts(c, grid, by)

    def funnel_velocity(self, grid: PeriodGrid, by: str) -> list[VelocityCount]:
        with self._begin("funnel_velocity") as c:
            return funnel_store.velocity(c, grid, by)

    def drift_reasons(self, grid: PeriodGrid) -> list[ReasonCount]:
        with self._begin("drift_reasons") as c:
            return funnel_store.reasons(c, grid)

    def sla_trend(self, grid: PeriodGrid) -> list[SlaCount]:
        with self._begin("sla_trend") as c:
            return funnel_store.sla_trend(c, grid)


def _snapshot_keyset(columns: Any, system: str, after: str | None, size: int) -> Any:
    s = t.lead_snapshots.c
    query = select(columns).where(s.system == system)
    return (query if after is None else query.where(s.record_id > after)).order_by(s.record_id).limit(size)


def _snapshot(row: Any) -> Snapshot:  # the JSON columns are decoded afresh for each row: nothing to copy
    return Snapshot(row.system, row.record_id, row.email, row.record, row.history or [], row.activities or [])


_AUDIT = t.audit_log.c
_WRITE_ROW = update(t.audit_log).where(and_(
    _AUDIT.run_id == bindparam("b_run"), _AUDIT.kind == "write", _AUDIT.system == bindparam("b_system"),
    _AUDIT.record_id == bindparam("b_record"), _AUDIT.field == bindparam("b_field"), _AUDIT.step == bindparam("b_step")))


def _row_key(run_id: str, c: Correction) -> dict[str, Any]:
    return {"b_run": run_id, "b_system": c.system, "b_record": c.record_id, "b_field": c.field, "b_step": c.step}


def _correction(row: Any) -> Correction:
    return Correction(row.system, row.record_id, row.field, row.before, row.after, row.stage_before,
                      row.stage_after or "", row.rule, row.reason or "", row.definition_version or "", row.step)


def _ended_clock_row(row: Any, as_of: datetime) -> dict[str, Any]:
    return {"system": row.system, "record_id": row.record_id, "stage": row.stage, "started_at": row.started_at,
            "state": ended_state(row.state), "owner_id": row.owner_id, "due_at": row.due_at, "ended_at": as_of}


def _clock_row(entry: SlaEntry, as_of: datetime) -> dict[str, Any]:
    return {"system": entry.system, "record_id": entry.record_id, "stage": entry.stage, "state": entry.state.value,
            "started_at": entry.started_at, "estimated": entry.started_estimated, "due_at": entry.due_at,
            "breached_at": entry.breached_at, "owner_id": entry.owner_id, "updated_at": as_of}

