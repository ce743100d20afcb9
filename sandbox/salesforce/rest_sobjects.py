"""REST sObject resources: describe, get/create/update/delete one record, limits, version list."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from .conditional import not_modified, unmodified_refusal
from .context import DATA, Call, Route, route
from .describe import describe_brief, describe_global, describe_sobject, limits
from .dml import DmlError, WriteContext
from .render import full_record
from .wire import error_response, json_response


def dml_error_response(error: DmlError) -> Response:
    return error_response(error.status, error.code, error.message, error.fields)


async def read_json(call: Call) -> object:
    body = await call.request.body()
    try:
        return orjson.loads(body) if body else {}
    except orjson.JSONDecodeError as exc:
        raise DmlError("JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc


async def versions(call: Call) -> Response:
    version = "59.0"
    return json_response([{"label": "Winter '24", "url": f"/services/data/v{version}", "version": version}])


async def sobjects(call: Call) -> Response:
    return json_response(describe_global(call.state.org, call.version))


async def describe(call: Call) -> Response:
    spec = call.state.org.spec(call.params["obj"])
    if spec is None:
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")
    return json_response(describe_sobject(call.state.org, call.state.switches, spec, call.version))


async def sobject_info(call: Call) -> Response:
    spec = call.state.org.spec(call.params["obj"])
    if spec is None:
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")
    return json_response({"objectDescribe": describe_brief(spec, call.version), "recentItems": []})


async def get_record(call: Call) -> Response:
    org = call.state.org
    table = org.table(call.params["obj"])
    if table is None:
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")
    try:
        row = call.state.writer.find(table, call.params["id"])
    except DmlError as error:
        return dml_error_response(error)
    if not_modified(call.header("If-Modified-Since"), table.get(row, "LastModifiedDate")):
        return Response(status_code=304)
    return json_response(full_record(table, row, call.version))


async def create_record(call: Call) -> Response:
    try:
        data = await read_json(call)
        if not isinstance(data, dict):
            raise DmlError("JSON_PARSER_ERROR", "Expected a JSON object")
        ctx = WriteContext(auto_assign=call.auto_assign(), fault=call.fault)
        record_id = call.state.writer.create(call.params["obj"], data, ctx)
    except DmlError as error:
        return dml_error_response(error)
    return json_response({"id": record_id, "success": True, "errors": []}, 201)


async def update_record(call: Call) -> Response:
    try:
        data = await read_json(call)
        if not isinstance(data, dict):
            raise DmlError("JSON_PARSER_ERROR", "Expected a JSON object")
        ctx = WriteContext(auto_assign=call.auto_assign(), fault=call.fault)
        with call.state.org.lock:  # the precondition and the write see the same record
            refusal = _precondition(call)
            if refusal is not None:
                return refusal
            call.state.writer.update(call.params["obj"], call.params["id"], data, ctx)
    except DmlError as error:
        return dml_error_response(error)
    return Response(status_code=204)


def _precondition(call: Call) -> Response | None:
    header = call.header("If-Unmodified-Since")
    if not header:
        return None
    table = call.state.writer.writable_table(call.params["obj"])
    row = call.state.writer.find(table, call.params["id"])
    return unmodified_refusal(header, table.get(row, "LastModifiedDate"))


async def delete_record(call: Call) -> Response:
    try:
        call.state.writer.delete(call.params["obj"], call.params["id"], WriteContext(fault=call.fault))
    except DmlError as error:
        return dml_error_response(error)
    return Response(status_code=204)


async def get_limits(call: Call) -> Response:
    return json_response(limits(call.state.switches))


SOBJECT = DATA + r"/sobjects/(?P<obj>\w+)"
ROUTES: list[Route] = [
    route("GET", r"/services/data", "sf.versions", versions, auth="none", counts_api=False),
    route("GET", DATA + r"/limits", "sf.limits", get_limits),
    route("GET", DATA + r"/sobjects", "sf.describe_global", sobjects),
    route("GET", SOBJECT + r"/describe", "sf.describe", describe),
    route("GET", SOBJECT, "sf.sobject.metadata", sobject_info),
    route("POST", SOBJECT, "sf.sobject.create", create_record),
    route("GET", SOBJECT + r"/(?P<id>[^/]+)", "sf.sobject.get", get_record),
    route("PATCH", SOBJECT + r"/(?P<id>[^/]+)", "sf.sobject.update", update_record),
    route("DELETE", SOBJECT + r"/(?P<id>[^/]+)", "sf.sobject.delete", delete_record),
]
