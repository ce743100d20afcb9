"""Metadata SOAP API: read, update and upsert the LeadStatus StandardValueSet (whole-list semantics, `xsi:type`)."""

from __future__ import annotations

import html
import re

from lxml import etree  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import Response

from .context import Call, Route, route
from .faults import soap_fault
from .store import Org, StatusValue
from .wire import xml_response

MD = "http://soap.sforce.com/2006/04/metadata"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_OPERATION = re.compile(rb"<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)")
_KEYS = {"readMetadata": "read", "updateMetadata": "update", "upsertMetadata": "upsert", "createMetadata": "create"}


class ComponentError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def metadata_key(request: Request, params: dict[str, str]) -> str:
    found = _OPERATION.search(await request.body())
    operation = found.group(1).decode() if found else "unknown"
    return "sf.metadata." + _KEYS.get(operation, operation)


def _md(name: str) -> str:
    return f"{{{MD}}}{name}"


def _text(element: etree._Element, name: str) -> str | None:
    child = element.find(_md(name))
    return child.text if child is not None else None


def _flag(element: etree._Element, name: str, default: bool) -> bool:
    value = _text(element, name)
    return default if value is None else value.strip().lower() == "true"


def _envelope(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns="{MD}" xmlns:xsi="{XSI}"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    )


def _value_xml(value: StatusValue) -> str:
    esc = html.escape
    return (
        f"<standardValue><fullName>{esc(value.full_name)}</fullName><default>{str(value.default).lower()}</default>"
        f"<isActive>{str(value.active).lower()}</isActive><label>{esc(value.label)}</label>"
        f"<converted>{str(value.converted).lower()}</converted></standardValue>"
    )


def _read_record(org: Org, kind: str, name: str) -> str:
    if kind == "StandardValueSet" and name == "LeadStatus":
        values = "".join(_value_xml(v) for v in org.statuses)
        return f'<records xsi:type="StandardValueSet"><fullName>LeadStatus</fullName><sorted>false</sorted>{values}</records>'
    if kind == "StandardValueSet":
        return '<records xsi:type="StandardValueSet"/>'
    return '<records xsi:nil="true"/>'


def read(org: Org, operation: etree._Element) -> str:
    kind = _text(operation, "type") or ""
    names = [e.text or "" for e in operation.findall(_md("fullNames"))]
    records = "".join(_read_record(org, kind, name) for name in names)
    return f"<readMetadataResponse><result>{records}</result></readMetadataResponse>"


def _incoming_values(component: etree._Element) -> list[StatusValue]:
    values = []
    for element in component.findall(_md("standardValue")):
        name = _text(element, "fullName") or ""
        label = _text(element, "label") or name
        values.append(StatusValue(name, label, _flag(element, "default", False), _flag(element, "converted", False),
                                  _flag(element, "isActive", True)))
    return values


def _merged(current: list[StatusValue], incoming: list[StatusValue]) -> list[StatusValue]:
    """The whole list as sent, then every value left out kept as inactive (the Metadata API never deletes)."""
    names = [v.full_name for v in incoming]
    if not incoming:
        raise ComponentError("FIELD_INTEGRITY_EXCEPTION", "A value set must contain at least one value")
    duplicate = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if duplicate:
        raise ComponentError("DUPLICATE_VALUE", f"Duplicate value: {duplicate}")
    if sum(v.default for v in incoming if v.active) > 1:
        raise ComponentError("FIELD_INTEGRITY_EXCEPTION", "Only one value can be the default")
    kept = [StatusValue(v.full_name, v.label, False, v.converted, False) for v in current if v.full_name not in names]
    return incoming + kept


def _save(org: Org, component: etree._Element) -> str:
    kind = (component.get(f"{{{XSI}}}type") or "").rpartition(":")[2]
    name = _text(component, "fullName") or ""
    if kind != "StandardValueSet" or name != "LeadStatus":
        raise ComponentError("INVALID_CROSS_REFERENCE_KEY", f"The sandbox only supports StandardValueSet LeadStatus, not {kind} {name}")
    merged = _merged(org.statuses, _incoming_values(component))
    with org.lock:
        org.statuses = merged
        org.sync_lead_status_rows()
    return name


def save(org: Org, operation: etree._Element, upsert: bool) -> str:
    results = []
    created = "<created>false</created>" if upsert else ""
    for component in operation.findall(_md("metadata")):
        name = _text(component, "fullName") or ""
        try:
            _save(org, component)
            results.append(f"<result>{created}<fullName>{html.escape(name)}</fullName><success>true</success></result>")
        except ComponentError as error:
            problem = f"<errors><message>{html.escape(error.message)}</message><statusCode>{error.code}</statusCode></errors>"
            results.append(f"<result>{created}{problem}<fullName>{html.escape(name)}</fullName><success>false</success></result>")
    tag = "upsertMetadataResponse" if upsert else "updateMetadataResponse"
    return f"<{tag}>{''.join(results)}</{tag}>"


async def handle(call: Call) -> Response:
    try:
        root = etree.fromstring(await call.request.body(), parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return soap_fault("INVALID_XML", "The request is not well-formed XML")
    session = root.find(f".//{_md('SessionHeader')}/{_md('sessionId')}")
    if session is None or (session.text or "").strip() not in call.state.tokens:
        return soap_fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    operation = body[0] if body is not None and len(body) else None
    local = etree.QName(operation).localname if operation is not None else ""
    org = call.state.org
    if local == "readMetadata":
        return xml_response(_envelope(read(org, operation)))
    if local in ("updateMetadata", "upsertMetadata"):
        return xml_response(_envelope(save(org, operation, upsert=local == "upsertMetadata")))
    return soap_fault("UNSUPPORTED_API_VERSION", f"The sandbox does not implement {local or 'this call'}")


ROUTES: list[Route] = [route("POST", r"/services/Soap/m/(?P<v>\d+\.\d)", metadata_key, handle, auth="soap")]
