"""Bulk API 2.0 query jobs: create, poll (InProgress then JobComplete), CSV results paged by `Sforce-Locator`."""

from __future__ import annotations

import base64
import binascii

from starlette.responses import Response

from .bulk_jobs import Job, new_job_info
from .context import DATA, Call, Route, route
from .render import csv_page
from .rest_sobjects import read_json
from .soql_eval import compile_query
from .wire import error_response, json_response

DEFAULT_PAGE = 50_000
QUERY_JOB = DATA + r"/jobs/query"


def encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int | None:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _job(call: Call) -> Job | None:
    job = call.state.jobs.get(call.params["job"])
    return job if job is not None and job.kind == "query" else None


def _missing() -> Response:
    return error_response(404, "NOT_FOUND", "The requested resource does not exist")


async def create(call: Call) -> Response:
    body = await read_json(call)
    if not isinstance(body, dict) or not body.get("query"):
        return error_response(400, "INVALIDJOB", "A query job needs a 'query'")
    org = call.state.org
    with org.lock:
        plan = compile_query(org, str(body["query"]), call.version)
        if plan.query.count_only:
            return error_response(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
        rows = plan.run(include_deleted=body.get("operation") == "queryAll")
    info = new_job_info(org.ids.mint("750"), org.api_user_id, call.version, body, "V2Query")
    info["object"] = plan.table.spec.name
    job = Job(info, "query", rows=rows, plan=plan)
    call.state.jobs.put(job.id, job)
    return json_response(info)


async def status(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    job.polls += 1
    if job.info["state"] in ("UploadComplete", "InProgress"):
        job.set_state("InProgress" if job.polls == 1 else "JobComplete")
        job.info["numberRecordsProcessed"] = len(job.rows) if job.info["state"] == "JobComplete" else 0
    return json_response(job.info)


async def results(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    if job.info["state"] != "JobComplete":
        state = str(job.info["state"]).upper()
        return error_response(412, "JOB_NOT_COMPLETE", f"Job is not complete. Current status: {state}")
    params = call.request.query_params
    offset = decode_locator(params["locator"]) if params.get("locator") else 0
    if offset is None:
        return error_response(400, "INVALIDLOCATOR", "Invalid locator")
    size = int(params.get("maxRecords") or DEFAULT_PAGE)
    page = job.rows[offset : offset + size]
    following = offset + size
    body = csv_page(job.plan, page, job.delimiter, job.line_ending)
    headers = {
        "Sforce-Locator": encode_locator(following) if following < len(job.rows) else "null",
        "Sforce-NumberOfRecords": str(len(page)),
    }
    return Response(body.encode(), headers=headers, media_type="text/csv")


async def change_state(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    body = await read_json(call)
    if isinstance(body, dict) and body.get("state") == "Aborted":
        job.set_state("Aborted")
    return json_response(job.info)


async def delete(call: Call) -> Response:
    return Response(status_code=204) if call.state.jobs.pop(call.params["job"]) else _missing()


ROUTES: list[Route] = [
    route("POST", QUERY_JOB, "sf.bulk2.query.create", create),
    route("GET", QUERY_JOB + r"/(?P<job>\w+)", "sf.bulk2.query.status", status),
    route("GET", QUERY_JOB + r"/(?P<job>\w+)/results", "sf.bulk2.query.results", results),
    route("PATCH", QUERY_JOB + r"/(?P<job>\w+)", "sf.bulk2.query.abort", change_state),
    route("DELETE", QUERY_JOB + r"/(?P<job>\w+)", "sf.bulk2.query.delete", delete),
]
