"""REST query and queryAll: first page, `nextRecordsUrl` cursors, `Sforce-Query-Options: batchSize`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

from .context import DATA, Call, Route, route
from .render import Record, json_renderer
from .soql_eval import compile_query
from .store import Row
from .wire import error_response, json_response

_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
DEFAULT_BATCH = 2000


@dataclass
class Cursor:
    """A query's result, fixed at the first call (ids and order); later pages read the rows' current values."""

    rows: list[Row]
    render: Callable[[Row], Record]
    resource: str  # "query" or "queryAll"


def batch_size(header: str) -> int:
    match = _BATCH.search(header)
    return min(max(int(match.group(1)), 200), 2000) if match else DEFAULT_BATCH


def _page(call: Call, cursor_id: str, cursor: Cursor, offset: int) -> Response:
    size = batch_size(call.header("Sforce-Query-Options"))
    chunk = cursor.rows[offset : offset + size]
    body: dict[str, object] = {"totalSize": len(cursor.rows), "done": offset + size >= len(cursor.rows)}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/v{call.version}/{cursor.resource}/{cursor_id}-{offset + size}"
    render = cursor.render
    body["records"] = [render(row) for row in chunk]
    return json_response(body)


async def run_query(call: Call) -> Response:
    text = call.request.query_params.get("q")
    if not text:
        return error_response(400, "MALFORMED_QUERY", "A query string has to be specified")
    include_deleted = call.request.url.path.rstrip("/").lower().endswith("queryall")
    state = call.state
    with state.org.lock:
        plan = compile_query(state.org, text, call.version)
        rows = plan.run(include_deleted)
    if plan.query.count_only:
        return json_response({"totalSize": len(rows), "done": True, "records": []})
    resource = "queryAll" if include_deleted else "query"
    cursor = Cursor(rows, json_renderer(state.org, plan), resource)
    cursor_id = state.org.ids.mint("01g")
    if len(rows) > batch_size(call.header("Sforce-Query-Options")):
        state.cursors.put(cursor_id, cursor)
    return _page(call, cursor_id, cursor, 0)


async def query_more(call: Call) -> Response:
    cursor_id, _, offset = call.params["locator"].rpartition("-")
    cursor = call.state.cursors.get(cursor_id) if offset.isdigit() else None
    if cursor is None:
        return error_response(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(call, cursor_id, cursor, int(offset))


ROUTES: list[Route] = [
    route("GET", DATA + r"/query", "sf.query", run_query),
    route("GET", DATA + r"/queryAll", "sf.query_all", run_query),
    route("GET", DATA + r"/(?:query|queryAll)/(?P<locator>[^/]+)", "sf.query_more", query_more),
]
