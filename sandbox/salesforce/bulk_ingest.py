"""Bulk API 2.0 ingest jobs: create (Open), upload CSV (201), close (process rows), job info and result CSVs."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import Response

from .bulk_jobs import Job, new_job_info
from .context import DATA, Call, Route, route
from .dml import DmlError, WriteContext, Writer
from .rest_sobjects import read_json
from .schema import ObjectSpec
from .wire import error_response, json_response

INGEST_JOB = DATA + r"/jobs/ingest"
OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})


def _job(call: Call) -> Job | None:
    job = call.state.jobs.get(call.params["job"])
    return job if job is not None and job.kind == "ingest" else None


def _missing() -> Response:
    return error_response(404, "NOT_FOUND", "The requested resource does not exist")


async def create(call: Call) -> Response:
    body = await read_json(call)
    if not isinstance(body, dict) or body.get("operation") not in OPERATIONS:
        return error_response(400, "INVALIDJOB", "InvalidJob : Invalid operation")
    spec = call.state.org.spec(str(body.get("object", "")))
    if spec is None or not spec.writable:
        return error_response(400, "INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
    org = call.state.org
    info = new_job_info(org.ids.mint("750"), org.api_user_id, call.version, body | {"object": spec.name}, "V2Ingest")
    info["contentUrl"] = f"services/data/v{call.version}/jobs/ingest/{info['id']}/batches"
    if body.get("externalIdFieldName"):
        info["externalIdFieldName"] = body["externalIdFieldName"]
    job = Job(info, "ingest")
    call.state.jobs.put(job.id, job)
    return json_response(info)


async def upload(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    if job.info["state"] != "Open":
        return error_response(409, "INVALIDJOBSTATE", f"Job state is {job.info['state']}, not Open")
    job.uploads.append(await call.request.body())
    return Response(status_code=201)


async def change_state(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    body = await read_json(call)
    wanted = body.get("state") if isinstance(body, dict) else None
    if wanted == "Aborted":
        job.set_state("Aborted")
        return json_response(job.info)
    if wanted != "UploadComplete" or job.info["state"] != "Open":
        return error_response(400, "INVALIDJOBSTATE", f"Cannot change state from {job.info['state']} to {wanted}")
    job.set_state("UploadComplete")
    answer = json_response(dict(job.info))
    _process(call, job)
    job.set_state("JobComplete")
    return answer


def _process(call: Call, job: Job) -> None:
    text = b"".join(job.uploads).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=job.delimiter)
    job.header = next(reader, [])
    writer = call.state.writer
    spec = call.state.org.schema[str(job.info["object"])]
    auto_assign = bool(job.info.get("assignmentRuleId"))
    processed = 0
    for position, cells in enumerate(reader):
        if not any(cells):
            continue
        ctx = WriteContext(auto_assign=auto_assign, fault=call.fault, position=position)
        _apply_row(writer, spec, job, cells, ctx)
        processed += 1
    job.info["numberRecordsProcessed"] = processed
    job.info["numberRecordsFailed"] = len(job.failures)


def _apply_row(writer: Writer, spec: ObjectSpec, job: Job, cells: list[str], ctx: WriteContext) -> None:
    values = _values(spec, job.header, cells)
    record_id = str(values.pop("Id", "") or "")
    operation = str(job.info["operation"])
    try:
        created = False
        if operation in ("delete", "hardDelete"):
            writer.delete(spec.name, record_id, ctx)
        elif operation == "update" or (operation == "upsert" and record_id):
            writer.update(spec.name, record_id, values, ctx)
        else:
            record_id, created = writer.create(spec.name, values, ctx), True
        job.successes.append([record_id, "true" if created else "false", *cells])
    except DmlError as error:
        message = f"{error.code}:{error.message}:{','.join(error.fields)} --"
        job.failures.append([record_id, message, *cells])


def _values(spec: ObjectSpec, header: list[str], cells: list[str]) -> dict[str, Any]:
    """Empty cells mean "leave unchanged"; `#N/A` means null (reference §5.3)."""
    values: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        if cell == "":
            continue
        field = spec.field(name)
        kind = field.type if field else "string"
        values[name] = None if cell == "#N/A" else _typed(kind, cell)
    return values


def _typed(kind: str, cell: str) -> Any:
    if kind == "boolean":
        return cell.strip().lower() in ("true", "1")
    if kind == "int":
        return int(cell)
    if kind in ("double", "currency", "percent"):
        return float(cell)
    return cell


async def job_info(call: Call) -> Response:
    job = _job(call)
    return json_response(job.info) if job else _missing()


def _csv(header: list[str], rows: list[list[str]]) -> Response:
    buffer = io.StringIO()
    out = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return Response(buffer.getvalue().encode(), media_type="text/csv")


async def results(call: Call) -> Response:
    job = _job(call)
    if job is None:
        return _missing()
    kind = call.params["kind"].lower()
    if kind == "successfulresults":
        return _csv(["sf__Id", "sf__Created", *job.header], job.successes)
    if kind == "failedresults":
        return _csv(["sf__Id", "sf__Error", *job.header], job.failures)
    return _csv(job.header, [])


async def delete(call: Call) -> Response:
    return Response(status_code=204) if call.state.jobs.pop(call.params["job"]) else _missing()


JOB = INGEST_JOB + r"/(?P<job>\w+)"
ROUTES: list[Route] = [
    route("POST", INGEST_JOB, "sf.bulk2.ingest.create", create),
    route("PUT", JOB + r"/batches", "sf.bulk2.ingest.upload", upload),
    route("PATCH", JOB, "sf.bulk2.ingest.close", change_state),
    route("GET", JOB, "sf.bulk2.ingest.status", job_info),
    route("GET", JOB + r"/(?P<kind>successfulResults|failedResults|unprocessedRecords)", "sf.bulk2.ingest.results", results),
    route("DELETE", JOB, "sf.bulk2.ingest.delete", delete),
]
