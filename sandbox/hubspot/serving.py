"""The request pipeline all API routes share: count, auth, latency, faults, rate limits, handler, headers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from sandbox.runtime import FaultKind, drop_connection

from .faults import fault_response
from .portal import Portal
from .wire import JSON_TYPE, ApiError, Call, Json, Reply, correlation_id, error_body

if TYPE_CHECKING:
    from .sandbox import HubSpotSandbox

Handler = Callable[[Portal, Call], Reply]
Endpoint = Callable[[Request], Awaitable[Response]]
log = logging.getLogger(__name__)

UNAUTHORIZED_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def api_endpoint(sandbox: HubSpotSandbox, key: str, handler: Handler) -> Endpoint:
    """Wrap `handler` as the Starlette endpoint counted under `key`."""
    is_search = key.endswith(".search")

    async def endpoint(request: Request) -> Response:
        number = sandbox.calls.record(key)
        if not sandbox.authorized(request.headers.get("authorization")):
            body = error_body("INVALID_AUTHENTICATION", UNAUTHORIZED_MESSAGE)
            return respond(401, body, {"x-hubspot-auth-failure": "401 Unauthorized"})
        try:
            raw = await request.body()  # read before any delay, as a real server would
        except ClientDisconnect:
            return Response(status_code=499)
        await sandbox.latency.wait()
        fault = sandbox.faults.pick(key, number)
        if fault is not None:
            early = await _fault_early(sandbox, request, fault)
            if early is not None:
                return early
        refusal, headers = sandbox.limiter.admit(is_search)
        if refusal is not None:
            extra = {"Retry-After": str(refusal.retry_after_s)} if sandbox.switches.retry_after_on_429 else {}
            return respond(429, refusal.body, {**headers, **extra})
        return _handle(sandbox, request, raw, handler, fault, headers)

    return endpoint


async def _fault_early(sandbox: HubSpotSandbox, request: Request, fault: Any) -> Response | None:
    if fault.kind is FaultKind.SLOW:
        await asyncio.sleep(fault.delay_s)
        return None
    if fault.kind is FaultKind.CONNECTION_RESET:
        if not drop_connection(cast(dict[str, object], request.scope)):
            log.warning("connection reset requested but the server offers no drop extension")
        return Response(status_code=500)
    rendered = fault_response(fault, sandbox.app_id, sandbox.portal_id)
    if rendered is None:
        return None
    status, body, headers = rendered
    if isinstance(body, str):
        return Response(body, status_code=status, headers=headers, media_type="text/html")
    return respond(status, body, headers)


def _handle(
    sandbox: HubSpotSandbox,
    request: Request,
    raw: bytes,
    handler: Handler,
    fault: Any,
    headers: dict[str, str],
) -> Response:
    try:
        call = Call(
            path=dict(request.path_params),
            query=_query(request),
            body=_json_body(raw),
            url=f"{request.url.scheme}://{request.url.netloc}{request.url.path}",
            fault=fault,
        )
        with sandbox.portal.store.lock:
            reply = handler(sandbox.portal, call)
    except ApiError as error:
        return respond(error.status, error.body, {**headers, **error.headers})
    except Exception as error:  # a sandbox bug must still answer like a server, and be visible
        log.exception("HubSpot sandbox handler failed")
        sandbox.errors.append(repr(error))
        return respond(500, error_body("INTERNAL_ERROR", f"Internal error: {error!r}"), headers)
    return respond(reply.status, reply.body, {**headers, **reply.headers})


def respond(status: int, body: Json | None, headers: dict[str, str]) -> Response:
    headers = {**headers, "x-hubspot-correlation-id": correlation_id()}
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers)
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=JSON_TYPE)


def _query(request: Request) -> dict[str, list[str]]:
    params = request.query_params
    return {key: params.getlist(key) for key in params}


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, error_body("VALIDATION_ERROR", f"Invalid input JSON: {error}")) from None
