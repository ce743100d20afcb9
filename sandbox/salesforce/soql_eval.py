"""Binds a parsed SOQL query to the org: resolves fields (incl. `Owner.Name`), compiles WHERE, sorts, pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import soql_where
from .schema import FieldSpec
from .soql import FieldRef, Query, SoqlError, located, parse
from .store import Getter, Org, Row, Table

MAX_OFFSET = 2_000  # a larger OFFSET is NUMBER_OUTSIDE_VALID_RANGE (SOQL reference, "OFFSET")


@dataclass(frozen=True)
class Column:
    """One selected field: how to read it from a row and where it goes in the output."""

    ref: FieldRef
    name: str  # canonical field name on its own object
    relationship: str | None  # canonical parent relationship, None for own fields
    getter: Getter
    spec: FieldSpec


@dataclass
class Plan:
    """A query bound to a table: everything needed to produce rows and render them."""

    query: Query
    table: Table
    columns: list[Column]
    predicate: Callable[[Row], bool] | None
    sort_keys: list[tuple[Getter, bool, bool]]
    api_version: str
    narrowing: tuple[str, Callable[[object], object], frozenset[object]] | None = None

    def run(self, include_deleted: bool) -> list[Row]:
        rows = self.table.live(include_deleted) if self.narrowing is None else self._narrowed(include_deleted)
        matched = [row for row in rows if self.predicate(row)] if self.predicate else list(rows)
        for getter, descending, nulls_last in reversed(self.sort_keys):
            matched.sort(key=_sort_key(getter, descending, nulls_last), reverse=descending)
        start = self.query.offset or 0
        stop = start + self.query.limit if self.query.limit is not None else None
        return matched[start:stop] if start or stop is not None else matched

    def _narrowed(self, include_deleted: bool) -> list[Row]:
        """The rows the indexed part of the filter leaves, in table order (the whole filter still applies)."""
        deleted = self.table.columns["IsDeleted"]
        return [row for row in self.table.lookup(*self.narrowing) if include_deleted or not row[deleted]] \
            if self.narrowing else []

    def csv_header(self) -> list[str]:
        return [column.ref.dotted if column.relationship else column.name for column in self.columns]


def _sort_key(getter: Getter, descending: bool, nulls_last: bool) -> Callable[[Row], tuple[int, object]]:
    null_flag = 1 if nulls_last != descending else 0

    def key(row: Row) -> tuple[int, object]:
        value = getter(row)
        if value is None:
            return (null_flag, None)
        return (1 - null_flag, value.casefold() if isinstance(value, str) else value)

    return key


def compile_query(org: Org, text: str, api_version: str) -> Plan:
    """Parse and bind `text`; raises SoqlError with Salesforce's codes."""
    query = parse(text)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    table = org.table(query.sobject)
    if table is None:
        message = f"sObject type '{query.sobject}' is not supported."
        raise SoqlError("INVALID_TYPE", located(text, query.sobject_pos, message))
    resolver = _Resolver(org, table, query)
    columns = [resolver.column(ref) for ref in query.fields]
    _reject_duplicates(query, columns)
    predicate = soql_where.compile_condition(query.where, resolver.filter_field) if query.where else None
    narrowing = soql_where.narrowing(query.where, resolver.filter_field) if query.where else None
    sort_keys = [(resolver.column(key.field).getter, key.descending, key.nulls_last) for key in query.order]
    return Plan(query, table, columns, predicate, sort_keys, api_version, narrowing)


def _reject_duplicates(query: Query, columns: list[Column]) -> None:
    seen: set[str] = set()
    for column in columns:
        key = column.ref.dotted.lower()
        if key in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {column.ref.dotted}")
        seen.add(key)


class _Resolver:
    def __init__(self, org: Org, table: Table, query: Query) -> None:
        self.org = org
        self.table = table
        self.query = query
        self.by_prefix = {t.spec.key_prefix: t for t in org.tables.values()}

    def invalid(self, ref: FieldRef, message: str) -> SoqlError:
        return SoqlError("INVALID_FIELD", located(self.query.text, ref.pos, message))

    def column(self, ref: FieldRef) -> Column:
        if len(ref.path) == 1:
            spec = self.table.spec.field(ref.path[0])
            if spec is None:
                raise self.invalid(ref, f"No such column '{ref.path[0]}' on entity '{self.table.spec.name}'.")
            return Column(ref, spec.name, None, self.table.getter(spec.name), spec)
        if len(ref.path) == 2:
            return self.parent_column(ref)
        raise self.invalid(ref, f"Didn't understand relationship '{'.'.join(ref.path[:-1])}' in field path.")

    def parent_column(self, ref: FieldRef) -> Column:
        relation, name = ref.path
        link = self.table.spec.relationships.get(relation.lower())
        if link is None:
            message = f"Didn't understand relationship '{relation}' in field path."
            raise self.invalid(ref, message)
        targets = [self.org.tables[t] for t in link.reference_to if t in self.org.tables]
        if name.lower() == "type" and len(link.reference_to) > 1:
            spec = FieldSpec("Type", "string", createable=False, updateable=False)
            return Column(ref, "Type", link.relationship, self.parent_getter(link, None), spec)
        found = next((s for t in targets if (s := t.spec.field(name)) is not None), None)
        if found is None:
            target = link.reference_to[-1]
            raise self.invalid(ref, f"No such column '{name}' on entity '{target}'.")
        return Column(ref, found.name, link.relationship, self.parent_getter(link, found.name), found)

    def parent_getter(self, link: FieldSpec, name: str | None) -> Getter:
        own = self.table.getter(link.name)
        by_prefix = self.by_prefix

        def getter(row: Row) -> object:
            parent_id = own(row)
            if not isinstance(parent_id, str):
                return None
            table = by_prefix.get(parent_id[:3])
            parent = table.rows.get(parent_id) if table else None
            if parent is None or table is None:
                return None
            return table.spec.name if name is None else table.get(parent, name)

        return getter

    def filter_field(self, ref: FieldRef) -> tuple[Getter, FieldSpec]:
        column = self.column(ref)
        if not column.spec.filterable:
            raise self.invalid(ref, f"field '{column.name}' can not be filtered in query call")
        return column.getter, column.spec
