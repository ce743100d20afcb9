"""How injected faults look on Salesforce's wire (JSON error arrays, SOAP faults, a load balancer's HTML 502)."""

from __future__ import annotations

import asyncio
import math

from starlette.responses import Response

from ..runtime import DropConnection, Fault, FaultKind
from .wire import error_response, xml_response

_BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>sfdc-edge</center></body></html>"
)


def soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return xml_response(body, 500)


def invalid_session(soap: bool) -> Response:
    if soap:
        return soap_fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    return error_response(401, "INVALID_SESSION_ID", "Session expired or invalid")


async def render_fault(fault: Fault, soap: bool) -> Response | None:
    """The response replacing the call, None to go on (slow calls, per-record faults); raises to drop the connection."""
    kind = fault.kind
    if kind is FaultKind.CONNECTION_RESET:
        raise DropConnection
    if kind is FaultKind.SLOW:
        await asyncio.sleep(fault.delay_s)
        return None
    if kind is FaultKind.RATE_LIMIT:
        response = error_response(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests; retry later.")
        response.headers["Retry-After"] = str(max(1, math.ceil(fault.delay_s)))
        return response
    if kind is FaultKind.RATE_LIMIT_NO_RETRY_AFTER:
        return error_response(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests; retry later.")
    if kind is FaultKind.UNAVAILABLE:
        return error_response(503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable. Please retry.")
    if kind is FaultKind.BAD_GATEWAY_HTML:
        return Response(_BAD_GATEWAY, status_code=502, media_type="text/html")
    if kind is FaultKind.INVALID_SESSION:
        return invalid_session(soap)
    return None
