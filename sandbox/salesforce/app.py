"""The ASGI app: routes a request, counts it, adds latency and faults, checks the session and the daily budget."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from . import admin, auth, bulk_ingest, bulk_query, bulk_v1, collections, metadata, rest_query, rest_replication, rest_sobjects
from .context import Call, Route
from .dml import DmlError
from .faults import invalid_session, render_fault
from .headers import canonical_send
from .soql import SoqlError
from .wire import error_response

if TYPE_CHECKING:
    from .sandbox import SalesforceSandbox

log = logging.getLogger(__name__)
ROUTES: list[Route] = [
    *auth.ROUTES,
    *rest_query.ROUTES,
    *collections.ROUTES,
    *bulk_query.ROUTES,
    *bulk_ingest.ROUTES,
    *bulk_v1.ROUTES,
    *rest_replication.ROUTES,
    *rest_sobjects.ROUTES,
    *metadata.ROUTES,
]


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        found = candidate.pattern.fullmatch(path)
        if found:
            return candidate, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def bearer(request: Request) -> str:
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") else ""


class SalesforceApp:
    """ASGI callable over a `SalesforceSandbox`; admin endpoints under `/__sandbox/` bypass counting and faults."""

    def __init__(self, sandbox: SalesforceSandbox) -> None:
        self.sandbox = sandbox

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        if scope["path"].startswith("/__sandbox/"):
            response = await admin.handle(self.sandbox, request)
        else:
            response = await self.dispatch(request)
        await response(scope, receive, canonical_send(send))

    async def dispatch(self, request: Request) -> Response:
        found = match(request.method, request.url.path)
        if found is None:
            return self._finish(error_response(404, "NOT_FOUND", "The requested resource does not exist"))
        target, params = found
        key = target.key if isinstance(target.key, str) else await target.key(request, params)
        sandbox = self.sandbox
        number = sandbox.calls.record(key)
        await sandbox.latency.wait()
        fault = sandbox.faults.pick(key, number)
        if fault is not None:
            await request.body()  # received in full before any delay or error, as a real server would
            early = await render_fault(fault, soap=target.auth == "soap")
            if early is not None:
                return self._finish(early)
        if target.auth == "bearer" and bearer(request) not in sandbox.state.tokens:
            return self._finish(invalid_session(soap=False))
        if target.auth == "session" and request.headers.get("X-SFDC-Session", "") not in sandbox.state.tokens:
            return self._finish(bulk_v1.invalid_session(request.headers.get("Content-Type", "")))
        if target.counts_api and not sandbox.state.switches.spend_api_call():
            return self._finish(error_response(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
        return self._finish(await self._handle(target, Call(request, params, sandbox.state, fault)))

    async def _handle(self, target: Route, call: Call) -> Response:
        try:
            return await target.handler(call)
        except SoqlError as error:
            return error_response(400, error.code, error.message)
        except DmlError as error:
            return error_response(error.status, error.code, error.message, error.fields)
        except Exception as error:  # a sandbox bug must still answer like Salesforce does
            log.exception("salesforce sandbox handler failed")
            return error_response(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {error}")

    def _finish(self, response: Response) -> Response:
        response.headers["Sforce-Limit-Info"] = self.sandbox.state.switches.limit_info()
        return response
