"""Bulk API 1.0 wire forms: jobInfo / batchInfo / result-list / error in XML or JSON, and query results."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from .render import csv_page, json_renderer
from .soql_eval import Plan
from .store import Org, Row

NAMESPACE = "http://www.force.com/2009/06/asyncapi/dataload"
XML_TYPE = "application/xml"
JSON_TYPE = "application/json"


def wants_json(content_type: str) -> bool:
    return "json" in content_type.lower()


def parse_body(raw: bytes, as_json: bool) -> dict[str, Any]:
    """A jobInfo request body, XML or JSON, as a flat dict; ValueError when unreadable."""
    if as_json:
        loaded = orjson.loads(raw) if raw.strip() else {}
        if not isinstance(loaded, dict):
            raise ValueError("expected a JSON object")
        return loaded
    text = raw.decode("utf-8", "replace")
    if "<jobInfo" not in text:
        raise ValueError("expected a jobInfo element")
    return {m.group(1): html.unescape(m.group(2).strip()) for m in re.finditer(r"<(\w+)>([^<]*)</\1>", text)}


def bulk_datetime(text: str) -> str:
    """`2024-01-02T03:04:05.000+0000` → `2024-01-02T03:04:05.000Z`, the form Bulk 1.0 XML uses (dates pass)."""
    return f"{text[:23]}Z" if len(text) > 10 else text


def info_response(info: dict[str, Any], root: str, as_json: bool, status: int = 200) -> Response:
    if as_json:
        return Response(orjson.dumps(info), status_code=status, media_type=JSON_TYPE)
    shown = {k: bulk_datetime(v) if k in ("createdDate", "systemModstamp") else v for k, v in info.items()}
    items = "".join(f"<{k}>{html.escape(_xml_value(v))}</{k}>" for k, v in shown.items() if v is not None)
    body = f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NAMESPACE}">{items}</{root}>'
    return Response(body.encode(), status_code=status, media_type=XML_TYPE)


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def error_response(code: str, message: str, as_json: bool, status: int = 400) -> Response:
    if as_json:
        body = orjson.dumps({"exceptionCode": code, "exceptionMessage": message})
        return Response(body, status_code=status, media_type=JSON_TYPE)
    text = (f'<?xml version="1.0" encoding="UTF-8"?><error xmlns="{NAMESPACE}"><exceptionCode>{code}</exceptionCode>'
            f"<exceptionMessage>{html.escape(message)}</exceptionMessage></error>")
    return Response(text.encode(), status_code=status, media_type=XML_TYPE)


def result_list(result_ids: list[str], as_json: bool) -> Response:
    if as_json:
        return Response(orjson.dumps(result_ids), media_type=JSON_TYPE)
    items = "".join(f"<result>{result_id}</result>" for result_id in result_ids)
    body = f'<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="{NAMESPACE}">{items}</result-list>'
    return Response(body.encode(), media_type=XML_TYPE)


def query_result(org: Org, plan: Plan, rows: list[Row], content_type: str) -> Response:
    """Rows as the job's content type: CSV with a header row, JSON records (datetimes and dates as epoch ms), XML."""
    if content_type == "CSV":
        return Response(csv_page(plan, rows).encode(), media_type="text/csv")
    render = json_renderer(org, plan)
    if content_type == "JSON":
        records = [_dates(plan, render(row), _epoch_ms) for row in rows]
        return Response(orjson.dumps(records), media_type=JSON_TYPE)
    items = "".join(f'<records xsi:type="sObject">{_xml_fields(_dates(plan, render(r), bulk_datetime))}</records>'
                    for r in rows)
    body = (f'<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="{NAMESPACE}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{items}</queryResult>')
    return Response(body.encode(), media_type=XML_TYPE)


def _dates(plan: Plan, record: dict[str, Any], convert: Callable[[str], object]) -> dict[str, Any]:
    for column in plan.columns:
        if column.spec.type not in ("datetime", "date"):
            continue
        holder = record.get(column.relationship) if column.relationship else record
        if isinstance(holder, dict) and isinstance(holder.get(column.name), str):
            holder[column.name] = convert(holder[column.name])
    return record


def _epoch_ms(text: str) -> int:
    moment = datetime.fromisoformat(text[:10]).replace(tzinfo=UTC) if len(text) == 10 else _wire(text)
    return int(moment.timestamp() * 1000)


def _wire(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def _xml_fields(record: dict[str, Any]) -> str:
    parts = [f"<type>{record['attributes']['type']}</type>"]
    for name, value in record.items():
        if name == "attributes":
            continue
        if value is None:
            parts.append(f'<{name} xsi:nil="true"/>')
        elif isinstance(value, dict):
            parts.append(f'<{name} xsi:type="sObject">{_xml_fields(value)}</{name}>')
        else:
            parts.append(f"<{name}>{html.escape(_xml_value(value))}</{name}>")
    return "".join(parts)
