"""Bulk API 1.0 query jobs (`/services/async/{v}/job`): create, add a SOQL batch, poll, result ids, results, close.

Authenticated by the `X-SFDC-Session` header; XML or JSON chosen by the request's Content-Type, results in the
job's contentType (CSV, JSON or XML). Only query/queryAll operations are served: ingest clients use Bulk 2.0 here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from .bulk_v1_wire import error_response, info_response, parse_body, query_result, result_list, wants_json
from .context import Call, Route, route
from .soql import SoqlError
from .soql_eval import Plan, compile_query
from .store import Row
from .wire import format_datetime, now_utc

ASYNC = r"/services/async/(?P<v>\d+\.\d)/job"
CONTENT_TYPES = ("CSV", "JSON", "XML")
_MODES = {"0": "Parallel", "1": "Serial", "Parallel": "Parallel", "Serial": "Serial"}


@dataclass
class Batch:
    """One query batch: its batchInfo, the rows fixed when it ran, and its single result id."""

    info: dict[str, Any]
    plan: Plan | None = None
    rows: list[Row] = field(default_factory=list)
    result_id: str = ""
    polls: int = 0


@dataclass
class JobV1:
    info: dict[str, Any]
    batches: dict[str, Batch] = field(default_factory=dict)
    kind: str = "v1"


def is_json(call: Call) -> bool:
    return wants_json(call.header("Content-Type"))


def batch_json(job: JobV1) -> bool:
    """Batch-level answers (batchInfo, result-list) come in the job's format whatever the request's Content-Type:
    JSON for a JSON job, XML for a CSV or XML one (tap-salesforce polls a CSV job's batch sending
    `Content-Type: application/json` and parses XML)."""
    return job.info.get("contentType") == "JSON"


def session_ok(call: Call) -> bool:
    return call.header("X-SFDC-Session") in call.state.tokens


def invalid_session(content_type: str) -> Response:
    return error_response("InvalidSessionId", "Invalid session id", wants_json(content_type))


def _job_info(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    stamp = format_datetime(now_utc())
    org = call.state.org
    spec = org.spec(str(body.get("object", "")))
    return {
        "id": org.ids.mint("750"), "operation": body["operation"], "object": spec.name if spec else body["object"],
        "createdById": org.api_user_id, "createdDate": stamp, "systemModstamp": stamp, "state": "Open",
        "concurrencyMode": _MODES.get(str(body.get("concurrencyMode", "Parallel")), "Parallel"),
        "contentType": str(body.get("contentType") or "XML").upper(), "numberBatchesQueued": 0,
        "numberBatchesInProgress": 0, "numberBatchesCompleted": 0, "numberBatchesFailed": 0, "numberBatchesTotal": 0,
        "numberRecordsProcessed": 0, "numberRetries": 0, "apiVersion": float(call.version), "numberRecordsFailed": 0,
        "totalProcessingTime": 0, "apiActiveProcessingTime": 0, "apexProcessingTime": 0,
    }


async def create_job(call: Call) -> Response:
    as_json = is_json(call)
    try:
        body = parse_body(await call.request.body(), as_json)
    except ValueError as error:
        return error_response("InvalidJob", f"Unable to parse job: {error}", as_json)
    if body.get("operation") not in ("query", "queryAll"):
        return error_response("InvalidJob", "The sandbox serves Bulk API 1.0 query and queryAll jobs only", as_json)
    if call.state.org.spec(str(body.get("object", ""))) is None:
        return error_response("InvalidEntity", f"Unable to find object: {body.get('object')}", as_json)
    if str(body.get("contentType") or "XML").upper() not in CONTENT_TYPES:
        return error_response("InvalidJob", f"Unsupported content type: {body.get('contentType')}", as_json)
    job = JobV1(_job_info(call, body))
    call.state.jobs.put(job.info["id"], job)
    return info_response(job.info, "jobInfo", as_json, 201)


def _job(call: Call) -> JobV1 | None:
    job = call.state.jobs.get(call.params["job"])
    return job if isinstance(job, JobV1) else None


def _no_job(call: Call) -> Response:
    return error_response("InvalidJob", f"Invalid job id: {call.params['job']}", is_json(call))


async def get_job(call: Call) -> Response:
    job = _job(call)
    return info_response(_counted(job), "jobInfo", is_json(call)) if job else _no_job(call)


async def change_job(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _no_job(call)
    as_json = is_json(call)
    try:
        state = parse_body(await call.request.body(), as_json).get("state")
    except ValueError as error:
        return error_response("InvalidJob", f"Unable to parse job: {error}", as_json)
    if state not in ("Closed", "Aborted"):
        return error_response("InvalidJobState", f"Invalid state: {state}", as_json)
    job.info["state"] = state
    job.info["systemModstamp"] = format_datetime(now_utc())
    return info_response(_counted(job), "jobInfo", as_json)


def _counted(job: JobV1) -> dict[str, Any]:
    states = [b.info["state"] for b in job.batches.values()]
    counts = {"numberBatchesQueued": states.count("Queued"), "numberBatchesInProgress": states.count("InProgress"),
              "numberBatchesCompleted": states.count("Completed"), "numberBatchesFailed": states.count("Failed"),
              "numberBatchesTotal": len(states),
              "numberRecordsProcessed": sum(b.info["numberRecordsProcessed"] for b in job.batches.values())}
    job.info |= counts
    return job.info


async def add_batch(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _no_job(call)
    as_json = batch_json(job)
    if job.info["state"] != "Open":
        return error_response("InvalidJobState", f"Job {job.info['id']} is not open: {job.info['state']}", as_json)
    batch = _run_query(call, job, (await call.request.body()).decode("utf-8", "replace"))
    job.batches[batch.info["id"]] = batch
    return info_response(batch.info, "batchInfo", as_json, 201)


def _run_query(call: Call, job: JobV1, soql: str) -> Batch:
    org = call.state.org
    stamp = format_datetime(now_utc())
    info: dict[str, Any] = {"id": org.ids.mint("751"), "jobId": job.info["id"], "state": "Queued",
                            "createdDate": stamp, "systemModstamp": stamp, "numberRecordsProcessed": 0,
                            "numberRecordsFailed": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0,
                            "apexProcessingTime": 0}
    try:
        with org.lock:
            plan = compile_query(org, soql.strip(), call.version)
            if plan.query.offset is not None:
                raise SoqlError("MALFORMED_QUERY", "OFFSET is not allowed in Bulk API queries")
            rows = plan.run(include_deleted=job.info["operation"] == "queryAll")
    except SoqlError as error:
        info |= {"state": "Failed", "stateMessage": f"InvalidBatch : Failed to process query: {error.code}: "
                                                    f"{error.message.strip()}"}
        return Batch(info)
    return Batch(info, plan, rows, org.ids.mint("752"))


def _batch(call: Call) -> tuple[JobV1 | None, Batch | None]:
    job = _job(call)
    return job, job.batches.get(call.params["batch"]) if job else None


async def get_batch(call: Call) -> Response:
    job, batch = _batch(call)
    if job is None or batch is None:
        return error_response("InvalidBatch", f"Invalid batch id: {call.params['batch']}", is_json(call))
    batch.polls += 1
    if batch.info["state"] in ("Queued", "InProgress"):  # the first poll finds it running, the next one done
        done = batch.polls > 1
        batch.info |= {"state": "Completed" if done else "InProgress",
                       "numberRecordsProcessed": len(batch.rows) if done else 0,
                       "systemModstamp": format_datetime(now_utc())}
    return info_response(batch.info, "batchInfo", batch_json(job))


async def get_result_ids(call: Call) -> Response:
    job, batch = _batch(call)
    as_json = batch_json(job) if job is not None else is_json(call)
    if job is None or batch is None:
        return error_response("InvalidBatch", f"Invalid batch id: {call.params['batch']}", as_json)
    if batch.info["state"] != "Completed":
        return error_response("InvalidBatch", f"Batch not completed: {batch.info['state']}", as_json)
    return result_list([batch.result_id], as_json)


async def get_result(call: Call) -> Response:
    job, batch = _batch(call)
    if job is None or batch is None or batch.plan is None or call.params["result"] != batch.result_id:
        return error_response("InvalidBatch", "Invalid result id", is_json(call))
    with call.state.org.lock:
        return query_result(call.state.org, batch.plan, batch.rows, job.info["contentType"])


def _v1(method: str, path: str, key: str, handler: Any) -> Route:
    return route(method, ASYNC + path, key, handler, auth="session")


ROUTES: list[Route] = [
    _v1("POST", "", "sf.bulk1.job.create", create_job),
    _v1("GET", r"/(?P<job>\w+)", "sf.bulk1.job.get", get_job),
    _v1("POST", r"/(?P<job>\w+)", "sf.bulk1.job.close", change_job),
    _v1("POST", r"/(?P<job>\w+)/batch", "sf.bulk1.batch.create", add_batch),
    _v1("GET", r"/(?P<job>\w+)/batch/(?P<batch>\w+)", "sf.bulk1.batch.get", get_batch),
    _v1("GET", r"/(?P<job>\w+)/batch/(?P<batch>\w+)/result", "sf.bulk1.batch.results", get_result_ids),
    _v1("GET", r"/(?P<job>\w+)/batch/(?P<batch>\w+)/result/(?P<result>\w+)", "sf.bulk1.batch.result", get_result),
]
