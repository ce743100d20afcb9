"""The in-memory org: one compact table per sObject (rows are lists indexed by column) and the LeadStatus value set."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .schema import FieldSpec, ObjectSpec, build_schema
from .wire import IdFactory, format_datetime, normalize_date, normalize_datetime, now_utc

Row = list[object]
Getter = Callable[[Row], object]

DEFAULT_STATUSES = (
    ("Open - Not Contacted", True, False),
    ("Working - Contacted", False, False),
    ("Closed - Converted", False, True),
    ("Closed - Not Converted", False, False),
)


@dataclass
class StatusValue:
    """One value of the LeadStatus StandardValueSet; omitted values go inactive, never away."""

    full_name: str
    label: str
    default: bool = False
    converted: bool = False
    active: bool = True


class Table:
    """Rows of one sObject, keyed by 18-character id; a row is a list in column order, shorter when tail is null."""

    def __init__(self, spec: ObjectSpec) -> None:
        self.spec = spec
        self.columns: dict[str, int] = {name: i for i, name in enumerate(spec.fields)}
        self.rows: dict[str, Row] = {}
        # Per field queried by `=` or `IN`: its values (as the filter compares them) -> ids, and each id's place in
        # `rows`. Built on first use, kept up to date by `set` and `insert`; `forget_indexes` after other changes.
        self._indexes: dict[str, tuple[Callable[[object], object], dict[object, set[str]]]] = {}
        self._rank: dict[str, int] = {}

    def column(self, name: str) -> int:
        index = self.columns.get(name)
        if index is None:
            index = self.columns[name] = len(self.columns)
        return index

    def getter(self, name: str) -> Getter:
        index = self.columns[name]
        return lambda row: row[index] if index < len(row) else None

    def get(self, row: Row, name: str) -> object:
        index = self.columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    def set(self, row: Row, name: str, value: object) -> None:
        index = self.column(name)
        if index >= len(row):
            row.extend([None] * (index + 1 - len(row)))
        kept = self._indexes.get(name)
        if kept is not None and (record_id := self.get(row, "Id")) in self.rows:
            key, ids = kept
            ids.get(key(row[index]), set()).discard(str(record_id))
            ids.setdefault(key(value), set()).add(str(record_id))
        row[index] = value

    def insert(self, record_id: str, values: Mapping[str, object]) -> Row:
        row: Row = []
        for name, value in values.items():
            self.set(row, name, value)
        self.set(row, "Id", record_id)
        self.rows[record_id] = row
        if self._indexes:
            self._rank[record_id] = len(self._rank)
            for name, (key, ids) in self._indexes.items():
                ids.setdefault(key(self.get(row, name)), set()).add(record_id)
        return row

    def lookup(self, name: str, key: Callable[[object], object], wanted: frozenset[object]) -> list[Row]:
        """The rows whose `name`, as `key` makes it, is one of `wanted`, in table order: what a scan filtering on
        `key(value) in wanted` finds, without the scan."""
        if name not in self._indexes:
            if not self._indexes:
                self._rank = {record_id: n for n, record_id in enumerate(self.rows)}
            ids: dict[object, set[str]] = {}
            for record_id, row in self.rows.items():
                ids.setdefault(key(self.get(row, name)), set()).add(record_id)
            self._indexes[name] = (key, ids)
        found = self._indexes[name][1]
        hits = sorted((record_id for value in wanted for record_id in found.get(value, ())), key=self._rank.__getitem__)
        return [self.rows[record_id] for record_id in hits]

    def forget_indexes(self) -> None:
        """After a change that bypassed `set` and `insert` (a rollback, a reload): indexes are built again."""
        self._indexes, self._rank = {}, {}

    def to_dict(self, row: Row) -> dict[str, object]:
        return {name: self.get(row, name) for name in self.spec.fields}

    def live(self, include_deleted: bool = False) -> Iterator[Row]:
        deleted = self.columns["IsDeleted"]
        for row in self.rows.values():
            if include_deleted or not row[deleted]:
                yield row


def coerce(spec: FieldSpec, value: object) -> object:
    """Store datetimes as UTC wire strings, dates as ISO dates and short picklist strings interned."""
    if value is None:
        return None
    if spec.type == "datetime":
        return normalize_datetime(value)
    if spec.type == "date":
        return normalize_date(value)
    if spec.type == "picklist" and isinstance(value, str):
        return sys.intern(value)
    return value


class Org:
    """Everything a Salesforce org holds for the sandbox; `lock` guards writes against concurrent Python-API use."""

    def __init__(self) -> None:
        self.schema = build_schema()
        self.ids = IdFactory()
        self.lock = threading.RLock()
        self.journal: list[tuple[str, dict[str, object]]] = []  # every API update as applied: (record id, fields)
        self.tables = {name: Table(spec) for name, spec in self.schema.items()}
        self.statuses = [StatusValue(n, n, d, c) for n, d, c in DEFAULT_STATUSES]
        self.org_id = self.ids.mint("00D")
        self.api_user_id = self._seed_user("Integration", "User", "integration@leadsync.example")
        self.router_user_id = self._seed_user("Lead", "Router", "router@leadsync.example")
        self.tables["Organization"].insert(self.org_id, self._audit({"Name": "Leadsync Sandbox", "IsSandbox": True}))
        self.sync_lead_status_rows()

    def _audit(self, values: dict[str, object]) -> dict[str, object]:
        stamp = format_datetime(now_utc())
        base: dict[str, object] = {"IsDeleted": False, "CreatedDate": stamp, "LastModifiedDate": stamp}
        base["SystemModstamp"] = stamp
        return base | values

    def _seed_user(self, first: str, last: str, username: str) -> str:
        user_id = self.ids.mint("005")
        values = {"FirstName": first, "LastName": last, "Name": f"{first} {last}", "Username": username}
        self.tables["User"].insert(user_id, self._audit(values | {"IsActive": True, "Email": username}))
        return user_id

    def table(self, sobject: str) -> Table | None:
        spec = self.spec(sobject)
        return self.tables[spec.name] if spec else None

    def spec(self, sobject: str) -> ObjectSpec | None:
        lowered = sobject.lower()
        return next((s for n, s in self.schema.items() if n.lower() == lowered), None)

    def find(self, record_id: str) -> tuple[Table, Row] | None:
        """The table and row of any record, by id (15 or 18 characters)."""
        for table in self.tables.values():
            if record_id.startswith(table.spec.key_prefix):
                row = table.rows.get(record_id) if len(record_id) == 18 else self._by_id15(table, record_id)
                return (table, row) if row is not None else None
        return None

    def _by_id15(self, table: Table, id15: str) -> Row | None:
        return next((row for key, row in table.rows.items() if key[:15] == id15), None)

    def active_statuses(self) -> list[StatusValue]:
        return [value for value in self.statuses if value.active]

    def default_status(self) -> str:
        active = self.active_statuses()
        chosen = next((v for v in active if v.default), active[0] if active else None)
        return chosen.full_name if chosen else "Open - Not Contacted"

    def sync_lead_status_rows(self) -> None:
        """LeadStatus rows mirror the active values of the StandardValueSet, keeping ids stable per value."""
        table = self.tables["LeadStatus"]
        existing = {table.get(row, "ApiName"): key for key, row in table.rows.items()}
        table.rows = {}
        table.forget_indexes()
        for order, value in enumerate(self.active_statuses(), start=1):
            record_id = existing.get(value.full_name) or self.ids.mint("01J")
            values = {"MasterLabel": value.label, "ApiName": value.full_name, "SortOrder": order}
            table.insert(record_id, self._audit(values | {"IsDefault": value.default, "IsConverted": value.converted}))
