"""The state store's tables (SQLAlchemy Core) and forward migrations; SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    inspect,
    select,
    text,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as UTC; always read back timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True),
                       Column("applied_at", UtcDateTime, nullable=False))

runs = Table(
    "runs", metadata,
    Column("id", String(36), primary_key=True), Column("kind", String(32), nullable=False),
    Column("started_at", UtcDateTime, nullable=False), Column("finished_at", UtcDateTime),
    Column("status", String(32), nullable=False), Column("parameters", JSON), Column("counts", JSON),
    Column("findings", JSON),
    Index("ix_runs_started", "started_at"),
)

locks = Table(
    "locks", metadata,
    Column("kind", String(64), primary_key=True), Column("holder", String(64), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False), Column("expires_at", UtcDateTime, nullable=False),
)

watermarks = Table("watermarks", metadata, Column("system", String(32), primary_key=True),
                   Column("instant", UtcDateTime, nullable=False))

identity_links = Table(
    "identity_links", metadata,
    Column("hubspot_id", String(64), primary_key=True), Column("salesforce_id", String(32), nullable=False),
    Column("first_linked_at", UtcDateTime, nullable=False), Column("last_seen_at", UtcDateTime, nullable=False),
    Index("ix_links_salesforce", "salesforce_id"),
)

lead_state = Table(
    "lead_state", metadata,
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("stage", String(64)), Column("stage_entered_at", UtcDateTime),
    Column("first_observed_at", UtcDateTime, nullable=False), Column("last_seen_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False), Column("kind", String(8), nullable=False),  # plan | write | skip
    Column("system", String(32), nullable=False), Column("record_id", String(64), nullable=False),
    Column("field", String(128), nullable=False), Column("step", Integer, nullable=False),
    Column("before", Text), Column("after", Text), Column("stage_before", String(64)), Column("stage_after", String(64)),
    Column("rule", String(64), nullable=False), Column("reason", Text), Column("definition_version", String(64)),
    Column("status", String(16), nullable=False), Column("code", String(128)), Column("message", Text),
    Column("at", UtcDateTime, nullable=False), Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("run_id", "kind", "system", "record_id", "field", "step", name="uq_audit_once"),
    Index("ix_audit_record", "system", "record_id"), Index("ix_audit_status", "status"),
)

sla_clocks = Table(
    "sla_clocks", metadata,
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("stage", String(64), nullable=False), Column("state", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False), Column("estimated", Boolean, nullable=False),
    Column("due_at", UtcDateTime, nullable=False), Column("breached_at", UtcDateTime), Column("owner_id", String(64)),
    Column("flagged_stage", String(64)), Column("flagged_at", UtcDateTime), Column("cleared_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sla_state", "state"),
)

lead_snapshots = Table(
    "lead_snapshots", metadata,
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("email", String(320)), Column("record", JSON, nullable=False), Column("history", JSON),
    Column("activities", JSON), Column("observed_at", UtcDateTime, nullable=False),
    Index("ix_snapshots_email", "system", "email"),
)

revisits = Table(
    "revisits", metadata,  # records whose write failed for a passing reason: the next sync reads them again
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("code", String(128)), Column("since", UtcDateTime, nullable=False),
)

checkpoints = Table(
    "checkpoints", metadata,
    Column("kind", String(32), primary_key=True), Column("key", String(255), primary_key=True),
    Column("detail", JSON), Column("done_at", UtcDateTime, nullable=False),
)

owner_names = Table(
    "owner_names", metadata,  # the names people know owners by; name NULL: the system did not know the id
    Column("system", String(32), primary_key=True), Column("owner_id", String(64), primary_key=True),
    Column("name", String(255)), Column("fetched_at", UtcDateTime, nullable=False),
)

holds = Table(
    "holds", metadata,  # records a revert put back: no automatic correction while the definition version is this one
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("definition_version", String(64), nullable=False), Column("run_id", String(36), nullable=False),
    Column("held_at", UtcDateTime, nullable=False),
)


pulled_records = Table(
    "pulled_records", metadata,  # a full run's whole pulls, kept while it plans: its joins are SQL, not API calls
    Column("run_id", String(36), primary_key=True), Column("system", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True), Column("modified_ms", BigInteger, nullable=False),
    Column("order_id", String(64), nullable=False), Column("email_key", String(320)), Column("record", JSON, nullable=False),
    Column("planned", Boolean, nullable=False, server_default=false()),  # planned by the run already (as a partner)
    Index("ix_pulled_order", "run_id", "system", "modified_ms", "order_id"),
    Index("ix_pulled_email", "run_id", "system", "email_key"),
)

pulled_evidence = Table(
    "pulled_evidence", metadata,  # a full run's whole evidence pull (stage history, logged work) by lead
    Column("id", Integer, primary_key=True, autoincrement=True), Column("run_id", String(36), nullable=False),
    Column("record_id", String(64), nullable=False), Column("kind", String(16), nullable=False),  # history | activity
    Column("row", JSON, nullable=False),
    Index("ix_pulled_evidence", "run_id", "record_id"),
)

run_items = Table(
    "run_items", metadata,  # what a run found, kept as it plans so its memory stays flat; pruned after 30 days
    Column("run_id", String(36), primary_key=True), Column("kind", String(16), primary_key=True),
    Column("seq", Integer, primary_key=True), Column("system", String(32), nullable=False),
    Column("record_id", String(64), nullable=False), Column("item", JSON, nullable=False),
    Index("ix_run_items_record", "run_id", "kind", "system", "record_id"),
)


def _v1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[runs, locks, watermarks, identity_links, lead_state, audit_log, checkpoints])


def _v2(connection: Connection) -> None:
    """Version 2 added SLA clocks and the run findings shown by the report."""
    metadata.create_all(connection, tables=[sla_clocks])
    if "findings" not in {c["name"] for c in inspect(connection).get_columns("runs")}:
        connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN findings JSON")


def _v3(connection: Connection) -> None:
    """Version 3 keeps the last pulled copy of each record, so a definition change can be replayed offline, and
    the records whose write failed for a passing reason, so the next sync reads them again."""
    metadata.create_all(connection, tables=[lead_snapshots, revisits])


def _v4(connection: Connection) -> None:
    """Version 4 caches owners' names, so reports, notifications and `explain` show names without a lookup per run."""
    metadata.create_all(connection, tables=[owner_names])


def _v5(connection: Connection) -> None:
    """Version 5 holds reverted records from automatic correction, so the next sync does not undo the revert."""
    metadata.create_all(connection, tables=[holds])


def _v6(connection: Connection) -> None:
    """Version 6 keeps a full run's whole pulls while it plans, so its partner and evidence lookups are joins."""
    metadata.create_all(connection, tables=[pulled_records, pulled_evidence])


def _v7(connection: Connection) -> None:
    """Version 7 keeps a run's corrections, SLA clocks and observations as it plans, and marks the pulled records
    a full run has planned, so its memory does not grow with the org."""
    metadata.create_all(connection, tables=[run_items])
    if "planned" not in {c["name"] for c in inspect(connection).get_columns("pulled_records")}:
        connection.exec_driver_sql("ALTER TABLE pulled_records ADD COLUMN planned BOOLEAN NOT NULL DEFAULT FALSE")


DEFINITION_VIEW = "'definition'"  # mapping.funnel.DEFINITION, literal: a query names it so to use the partial indexes
funnel_records = Table(
    "funnel_records", metadata,  # each record's own stage beside its person's stage by the definition (the drift)
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("person", String(340), nullable=False), Column("stage", String(64)), Column("resolved", String(64)),
    Column("reason", String(32), nullable=False), Column("owner", String(64)), Column("source", String(255)),
    Column("version", String(64), nullable=False), Column("as_of_s", BigInteger, nullable=False),
    Index("ix_funnel_records_record", "record_id"),
    Index("ix_funnel_records_version", "version"),
    Index("ix_funnel_records_reasons", "system", "stage", "reason",
          sqlite_where=text("reason != ''"), postgresql_where=text("reason != ''")),
)

funnel_segments = Table(
    "funnel_segments", metadata,  # stays in a stage: each record's (view = its system) and each person's (definition)
    Column("view", String(16), primary_key=True), Column("key", String(340), primary_key=True),
    Column("seq", Integer, primary_key=True), Column("stage", String(64)), Column("code", Integer, nullable=False),
    Column("entered_s", BigInteger, nullable=False), Column("left_s", BigInteger), Column("prev_same_s", BigInteger),
    Column("prior_s", BigInteger), Column("owner", String(64)), Column("source", String(255)),
    # what the counts group by, worked out when the row is written (mapping.funnel.Segment)
    Column("entered_m", Integer, nullable=False), Column("left_m", Integer),
    Column("entered_w", Integer, nullable=False), Column("left_w", Integer),
    Column("fresh_m", Integer, nullable=False), Column("fresh_w", Integer, nullable=False),  # 1: not a re-entry
    Column("best", Integer), Column("side", Integer), Column("last_s", BigInteger, nullable=False),
    # one narrow covering index per count, in the order it groups by, so the count reads in order and sorts nothing
    Index("ix_funnel_spans_m", "view", "code", "entered_m", "left_m", "owner", "entered_s", "left_s"),
    Index("ix_funnel_spans_w", "view", "code", "entered_w", "left_w", "owner", "entered_s", "left_s"),
    *(Index(f"ix_funnel_cohorts_{kind}", f"entered_{kind}", "code", "best", "side", "owner", "entered_s", "last_s",
            sqlite_where=text(where), postgresql_where=text(where))
      for kind, where in (("m", f"view = {DEFINITION_VIEW} AND code > 0 AND fresh_m = 1"),
                          ("w", f"view = {DEFINITION_VIEW} AND code > 0 AND fresh_w = 1"))),
    Index("ix_funnel_ends", "last_s", "key", sqlite_where=text(f"view = {DEFINITION_VIEW}"),
          postgresql_where=text(f"view = {DEFINITION_VIEW}")),  # people whose path goes on past a funnel's end
    Index("ix_funnel_steps", "code", "owner", "prior_s", "entered_s",
          sqlite_where=text(f"view = {DEFINITION_VIEW} AND prior_s IS NOT NULL"),
          postgresql_where=text(f"view = {DEFINITION_VIEW} AND prior_s IS NOT NULL")),
)


def _v8(connection: Connection) -> None:
    """Version 8 keeps the funnel's derived rows, so funnel and drift are counted in SQL, not from snapshots' JSON."""
    metadata.create_all(connection, tables=[funnel_records, funnel_segments])


funnel_reasons = Table(
    "funnel_reasons", metadata,  # each record's own stage and drift reason ("" when it agrees) from since_s on
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("since_s", BigInteger, primary_key=True), Column("until_s", BigInteger),  # until_s NULL: still in force
    Column("stage", String(64)), Column("reason", String(32), nullable=False),
    Column("since_m", Integer, nullable=False), Column("until_m", Integer),  # month and week numbers, as the stays'
    Column("since_w", Integer, nullable=False), Column("until_w", Integer),
    *(Index(f"ix_funnel_reasons_{kind}", "system", "stage", "reason", f"since_{kind}", f"until_{kind}", "since_s",
            "until_s", sqlite_where=text("reason != ''"), postgresql_where=text("reason != ''")) for kind in ("m", "w")),
)
sla_clock_history = Table(
    "sla_clock_history", metadata,  # clocks a lead's next clock ended, in their last state (mapping.funnel_counts)
    Column("system", String(32), primary_key=True), Column("record_id", String(64), primary_key=True),
    Column("stage", String(64), primary_key=True), Column("started_at", UtcDateTime, primary_key=True),
    Column("state", String(16), nullable=False), Column("owner_id", String(64)),
    Column("due_at", UtcDateTime, nullable=False), Column("ended_at", UtcDateTime, nullable=False),
    Index("ix_sla_clock_history_started", "started_at"),
)
STALE_VERSION = ""  # no definition's version: funnel rows made before v9, rebuilt (reasons and all) before counting


def _v9(connection: Connection) -> None:
    """Version 9 keeps each record's drift reason with its history, so the reasons are counted at each period's end,
    and the SLA clocks a lead's next clock ended, so the SLA trend counts them too. Funnel rows made before it have
    no reasons: marked stale, so the next funnel rebuilds them from the snapshots first."""
    metadata.create_all(connection, tables=[funnel_reasons, sla_clock_history])
    connection.execute(funnel_records.update().values(version=STALE_VERSION))


MIGRATION_LOCK_KEY = 0x1EAD5  # any constant of ours: one advisory lock for leadsync's migrations
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9]
LATEST = len(MIGRATIONS)


def current_version(connection: Connection) -> int:
    if not inspect(connection).has_table("schema_version"):
        return 0
    return int(connection.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).scalar() or 0)


def migrate(connection: Connection, target: int = LATEST) -> int:
    """Apply the missing migrations up to `target`, in order; returns the version reached.

    On PostgreSQL, workers starting together on a new database take turns (a transaction-scoped advisory lock);
    without it two of them create the same tables and the second fails. SQLite's file lock already serializes.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    metadata.create_all(connection, tables=[schema_version])
    version = current_version(connection)
    for number in range(version + 1, target + 1):
        MIGRATIONS[number - 1](connection)
        connection.execute(schema_version.insert().values(version=number, applied_at=datetime.now(UTC)))
    return max(version, target)
