"""`/__sandbox/` admin routes: call counts, faults, latency, switches; never counted, never rate limited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .faults import fault_from_json, fault_to_json
from .serving import respond

if TYPE_CHECKING:
    from .sandbox import HubSpotSandbox


def admin_routes(sandbox: HubSpotSandbox) -> list[Route]:
    async def calls(request: Request) -> Response:
        return respond(
            200,
            {
                "calls": sandbox.calls.snapshot(),
                "total": sandbox.calls.total(),
                "injected": dict(sandbox.faults.injected),
                "refused": dict(sandbox.limiter.refused),
                "daily": {"used": sandbox.limiter.daily_used, "limit": sandbox.switches.daily_limit},
            },
            {},
        )

    async def reset_calls(request: Request) -> Response:
        sandbox.calls.reset()
        return respond(204, None, {})

    async def add_fault(request: Request) -> Response:
        fault = sandbox.faults.add(fault_from_json(await _json(request)))
        return respond(201, {"fault": fault_to_json(fault)}, {})

    async def clear_faults(request: Request) -> Response:
        sandbox.faults.clear()
        return respond(204, None, {})

    async def latency(request: Request) -> Response:
        body = await _json(request)
        sandbox.set_latency(float(body.get("fixed_ms", 0.0)), float(body.get("jitter_ms", 0.0)))
        return respond(
            200, {"fixed_ms": sandbox.latency.fixed_ms, "jitter_ms": sandbox.latency.jitter_ms}, {}
        )

    async def switches(request: Request) -> Response:
        if request.method == "POST":
            sandbox.set_switches(**await _json(request))
        return respond(200, sandbox.switches.as_json(), {})

    async def reset_limits(request: Request) -> Response:
        sandbox.limiter.reset()
        return respond(204, None, {})

    return [
        Route("/__sandbox/calls", _guarded(calls), methods=["GET"]),
        Route("/__sandbox/reset-calls", _guarded(reset_calls), methods=["POST"]),
        Route("/__sandbox/faults", _guarded(add_fault), methods=["POST"]),
        Route("/__sandbox/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/__sandbox/latency", _guarded(latency), methods=["POST"]),
        Route("/__sandbox/switches", _guarded(switches), methods=["GET", "POST"]),
        Route("/__sandbox/reset-limits", _guarded(reset_limits), methods=["POST"]),
    ]


def _guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except (ValueError, TypeError, KeyError) as error:
            return respond(
                400, {"status": "error", "message": str(error), "category": "VALIDATION_ERROR"}, {}
            )

    return endpoint


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = orjson.loads(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise TypeError("expected a JSON object")  # answered with a 400 like a ValueError (`_guarded`)
    return body
