"""Admin endpoints under `/__sandbox/`: call counter, faults, latency, switches, sessions. Never counted as API calls."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..runtime import Fault, FaultKind
from .wire import json_response

if TYPE_CHECKING:
    from .sandbox import SalesforceSandbox


def fault_from_json(body: dict[str, Any]) -> Fault:
    """`{"endpoint": "sf.query*", "kind": "rate_limit", "nth": 2, "probability": 0.1, "times": 1, "delay_s": 0,
    "record_ids": ["00Q..."]}`; only `endpoint` and `kind` are required."""
    return Fault(
        endpoint=str(body["endpoint"]),
        kind=FaultKind(body["kind"]),
        nth=body.get("nth"),
        probability=float(body.get("probability", 0.0)),
        times=body.get("times", 1),
        delay_s=float(body.get("delay_s", 0.0)),
        record_ids=frozenset(body.get("record_ids", ())),
    )


def _fault_json(fault: Fault) -> dict[str, Any]:
    data = asdict(fault)
    data["kind"] = fault.kind.value
    data["record_ids"] = sorted(fault.record_ids)
    return data


async def handle(sandbox: SalesforceSandbox, request: Request) -> Response:
    action = request.url.path.removeprefix("/__sandbox/").strip("/")
    body = await request.body()
    try:
        payload: Any = orjson.loads(body) if body else {}
        return _dispatch(sandbox, request.method, action, payload)
    except (ValueError, KeyError, TypeError) as error:
        return json_response({"error": str(error)}, 400)


def _dispatch(sandbox: SalesforceSandbox, method: str, action: str, payload: Any) -> Response:
    if (method, action) == ("GET", "calls"):
        return json_response(sandbox.calls.snapshot())
    if (method, action) == ("POST", "reset-calls"):
        sandbox.calls.reset()
        return json_response({"ok": True})
    if (method, action) == ("POST", "faults"):
        faults = payload if isinstance(payload, list) else [payload]
        return json_response([_fault_json(sandbox.faults.add(fault_from_json(f))) for f in faults], 201)
    if (method, action) == ("GET", "faults"):
        return json_response({"injected": dict(sandbox.faults.injected)})
    if (method, action) == ("DELETE", "faults"):
        sandbox.faults.clear()
        return json_response({"ok": True})
    if (method, action) == ("POST", "latency"):
        sandbox.set_latency(float(payload.get("fixed_ms", 0.0)), float(payload.get("jitter_ms", 0.0)))
        return json_response({"ok": True})
    if (method, action) == ("POST", "switches"):
        sandbox.state.switches.update(payload)
    if action == "switches" and method in ("GET", "POST"):
        return json_response(sandbox.state.switches.as_dict())
    if (method, action) == ("POST", "expire-sessions"):
        sandbox.expire_sessions()
        return json_response({"ok": True})
    return json_response({"error": f"unknown admin action {method} {action}"}, 404)
