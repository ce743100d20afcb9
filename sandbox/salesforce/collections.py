"""sObject Collections (`composite/sobjects`): up to 200 records, per-record results, allOrNone rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from .context import DATA, Call, Route, route
from .dml import DmlError, WriteContext
from .render import full_record
from .rest_sobjects import dml_error_response, read_json
from .store import Org, Row
from .wire import error_response, json_response

MAX_RECORDS = 200
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}
Result = dict[str, Any]
Operation = Callable[[int, Any, WriteContext], str]


class _Snapshot:
    """Enough of the org to undo one collections call: touched rows' contents and each table's size."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.sizes = {name: len(table.rows) for name, table in org.tables.items()}
        self.rows: list[tuple[Row, Row]] = []

    def touch(self, record_id: str) -> None:
        found = self.org.find(record_id) if isinstance(record_id, str) and len(record_id) in (15, 18) else None
        if found:
            self.rows.append((found[1], list(found[1])))

    def restore(self) -> None:
        for row, saved in reversed(self.rows):
            row[:] = saved
        for name, table in self.org.tables.items():
            for key in list(table.rows)[self.sizes[name] :]:
                del table.rows[key]
            table.forget_indexes()


def _failure(record_id: str | None, error: DmlError) -> Result:
    result: Result = {"success": False, "errors": [{"statusCode": error.code, "message": error.message, "fields": error.fields}]}
    return ({"id": record_id} | result) if record_id else result


def _run(call: Call, items: list[Any], all_or_none: bool, operation: Operation, ids: list[str | None]) -> Response:
    if len(items) > MAX_RECORDS:
        message = "record limit reached. cannot submit more than 200 records into this call"
        return error_response(400, "EXCEEDED_ID_LIMIT", message)
    org = call.state.org
    results: list[Result] = []
    with org.lock:
        snapshot = _Snapshot(org)
        for position, item in enumerate(items):
            if ids[position]:
                snapshot.touch(str(ids[position]))
            ctx = WriteContext(auto_assign=call.auto_assign(), fault=call.fault, position=position)
            try:
                results.append({"id": operation(position, item, ctx), "success": True, "errors": []})
            except DmlError as error:
                results.append(_failure(ids[position], error))
        if all_or_none and not all(r["success"] for r in results):
            snapshot.restore()
            results = [r if not r["success"] else {"id": r["id"], "success": False, "errors": [ROLLED_BACK]} for r in results]
    return json_response(results)


def _records(body: object) -> tuple[list[Any], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise DmlError("JSON_PARSER_ERROR", "Json Deserialization failed: expected {\"records\": [...]}")
    return body["records"], bool(body.get("allOrNone", False))


def _type_of(record: Any) -> str:
    sobject = record.get("attributes", {}).get("type") if isinstance(record, dict) else None
    if not sobject:
        raise DmlError("INVALID_TYPE", "sObject type must be specified in attributes.type")
    return str(sobject)


async def create_many(call: Call) -> Response:
    try:
        records, all_or_none = _records(await read_json(call))
    except DmlError as error:
        return dml_error_response(error)
    writer = call.state.writer

    def create(_: int, record: Any, ctx: WriteContext) -> str:
        return writer.create(_type_of(record), record, ctx)

    return _run(call, records, all_or_none, create, [None] * len(records))


async def update_many(call: Call) -> Response:
    try:
        records, all_or_none = _records(await read_json(call))
    except DmlError as error:
        return dml_error_response(error)
    writer = call.state.writer
    ids = [_record_id(record) for record in records]

    def update(position: int, record: Any, ctx: WriteContext) -> str:
        record_id = ids[position]
        if not record_id:
            raise DmlError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        writer.update(_type_of(record), record_id, record, ctx)
        return record_id

    return _run(call, records, all_or_none, update, list(ids))


def _record_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    value = record.get("id") or record.get("Id")
    return str(value) if value else None


async def delete_many(call: Call) -> Response:
    ids = [i for i in call.request.query_params.get("ids", "").split(",") if i]
    all_or_none = call.request.query_params.get("allOrNone", "false").lower() == "true"
    writer = call.state.writer
    org = call.state.org

    def delete(position: int, record_id: str, ctx: WriteContext) -> str:
        found = org.find(record_id) if len(record_id) in (15, 18) else None
        if found is None:
            raise DmlError("MALFORMED_ID", f"malformed id {record_id}")
        writer.delete(found[0].spec.name, record_id, ctx)
        return record_id

    return _run(call, ids, all_or_none, delete, list(ids))


async def get_many(call: Call) -> Response:
    table = call.state.org.table(call.params["obj"])
    if table is None:
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")
    wanted = [f.strip() for f in call.request.query_params.get("fields", "Id").split(",") if f.strip()]
    records: list[Any] = []
    for record_id in call.request.query_params.get("ids", "").split(","):
        row = table.rows.get(record_id)
        if row is None or table.get(row, "IsDeleted"):
            records.append(None)
            continue
        full = full_record(table, row, call.version)
        records.append({"attributes": full["attributes"]} | {f: full.get(f) for f in wanted})
    return json_response(records)


COLLECTIONS = DATA + r"/composite/sobjects"
ROUTES: list[Route] = [
    route("POST", COLLECTIONS, "sf.collections.create", create_many),
    route("PATCH", COLLECTIONS, "sf.collections.update", update_many),
    route("DELETE", COLLECTIONS, "sf.collections.delete", delete_many),
    route("GET", COLLECTIONS + r"/(?P<obj>\w+)", "sf.collections.get", get_many),
]
