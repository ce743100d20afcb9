"""Renders rows as Salesforce sends them: REST JSON records with `attributes`, and Bulk 2.0 CSV pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .soql_eval import Column, Plan
from .store import Org, Row, Table

Record = dict[str, Any]


def record_url(api_version: str, sobject: str, record_id: object) -> str:
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


def json_renderer(org: Org, plan: Plan) -> Callable[[Row], Record]:
    """A function turning a row into the REST JSON record of `plan`'s SELECT list, in SELECT order."""
    version = plan.api_version
    sobject = plan.table.spec.name
    id_getter = plan.table.getter("Id")
    own: list[tuple[str, Callable[[Row], object]]] = []
    parents: dict[str, Callable[[Row], Record | None]] = {}
    layout: list[tuple[str, bool]] = []
    grouped: dict[str, list[Column]] = {}
    for column in plan.columns:
        if column.relationship is None:
            own.append((column.name, column.getter))
            layout.append((column.name, False))
        elif column.relationship not in grouped:
            grouped[column.relationship] = [column]
            layout.append((column.relationship, True))
        else:
            grouped[column.relationship].append(column)
    for relationship, columns in grouped.items():
        parents[relationship] = _parent_renderer(org, plan.table, relationship, columns, version)
    own_getters = dict(own)

    def render(row: Row) -> Record:
        record: Record = {"attributes": {"type": sobject, "url": record_url(version, sobject, id_getter(row))}}
        for name, is_parent in layout:
            record[name] = parents[name](row) if is_parent else own_getters[name](row)
        return record

    return render


def _parent_renderer(
    org: Org, table: Table, relationship: str, columns: list[Column], version: str
) -> Callable[[Row], Record | None]:
    link = table.spec.relationships[relationship.lower()]
    own = table.getter(link.name)
    by_prefix = {t.spec.key_prefix: t for t in org.tables.values()}

    def render(row: Row) -> Record | None:
        parent_id = own(row)
        parent_table = by_prefix.get(parent_id[:3]) if isinstance(parent_id, str) else None
        parent = parent_table.rows.get(parent_id) if parent_table and isinstance(parent_id, str) else None
        if parent is None or parent_table is None:
            return None
        name = parent_table.spec.name
        record: Record = {"attributes": {"type": name, "url": record_url(version, name, parent_id)}}
        for column in columns:
            value = name if column.name == "Type" and "Type" not in parent_table.columns else None
            record[column.name] = value if value is not None else parent_table.get(parent, column.name)
        return record

    return render


def full_record(table: Table, row: Row, version: str) -> Record:
    """All fields of a row, as `GET sobjects/{type}/{id}` returns it."""
    sobject = table.spec.name
    record: Record = {"attributes": {"type": sobject, "url": record_url(version, sobject, table.get(row, "Id"))}}
    for name in table.columns:
        record[name] = table.get(row, name)
    return record


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return '"true"'
    if value is False:
        return '"false"'
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


def csv_page(plan: Plan, rows: list[Row], delimiter: str = ",", line_ending: str = "\n") -> str:
    """A Bulk 2.0 result page: its own quoted header row, then one line per row; null is an empty cell."""
    getters = [column.getter for column in plan.columns]
    lines = [delimiter.join(_csv_cell(name) for name in plan.csv_header())]
    for row in rows:
        lines.append(delimiter.join([_csv_cell(getter(row)) for getter in getters]))
    return line_ending.join(lines) + line_ending
