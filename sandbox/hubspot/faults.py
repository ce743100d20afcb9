"""Injected faults as they look on HubSpot's wire: 429 bodies, 503, an HTML 502, expired tokens, resets."""

from __future__ import annotations

import math
from typing import Any

from sandbox.runtime import Fault, FaultKind

from .limits import rate_limit_body
from .wire import Json, error_body

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def fault_response(
    fault: Fault, app_id: int, portal_id: int
) -> tuple[int, Json | str, dict[str, str]] | None:
    """Status, body (JSON or HTML text) and extra headers for a fault that replaces the response.

    None for the kinds acted on elsewhere: SLOW and CONNECTION_RESET (serving.py), PARTIAL_FAILURE (batch
    routes; a no-op elsewhere) and ROW_LOCK (Salesforce only; a no-op here). RATE_LIMIT's Retry-After is
    `delay_s` rounded up, at least 1.
    """
    kind = fault.kind
    if kind in (FaultKind.RATE_LIMIT, FaultKind.RATE_LIMIT_NO_RETRY_AFTER):
        headers = (
            {"Retry-After": str(max(1, math.ceil(fault.delay_s)))} if kind is FaultKind.RATE_LIMIT else {}
        )
        return 429, rate_limit_body("TEN_SECONDLY_ROLLING", app_id, portal_id), headers
    if kind is FaultKind.UNAVAILABLE:
        # [U] body text; HubSpot's 5xx answers are rare and not well captured (hubspot.md §7.3).
        return (
            503,
            error_body("SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please retry."),
            {},
        )
    if kind is FaultKind.BAD_GATEWAY_HTML:
        return 502, BAD_GATEWAY_HTML, {}
    if kind is FaultKind.INVALID_SESSION:
        body = error_body(
            "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired 1 second(s) ago."
        )
        return 401, body, {"x-hubspot-auth-failure": "401 Unauthorized"}
    return None


def fault_from_json(raw: Any) -> Fault:
    """A `Fault` from admin JSON: {endpoint, kind, nth?, probability?, times?, delay_s?, record_ids?}."""
    if not isinstance(raw, dict) or "kind" not in raw:
        raise ValueError("a fault needs at least a kind")
    times = raw.get("times", 1)
    return Fault(
        endpoint=str(raw.get("endpoint", "*")),
        kind=FaultKind(raw["kind"]),
        nth=None if raw.get("nth") is None else int(raw["nth"]),
        probability=float(raw.get("probability", 0.0)),
        times=None if times is None else int(times),
        delay_s=float(raw.get("delay_s", 0.0)),
        record_ids=frozenset(str(r) for r in raw.get("record_ids", ())),
    )


def fault_to_json(fault: Fault) -> Json:
    return {
        "endpoint": fault.endpoint,
        "kind": fault.kind.value,
        "nth": fault.nth,
        "probability": fault.probability,
        "times": fault.times,
        "delay_s": fault.delay_s,
        "record_ids": sorted(fault.record_ids),
        "fired": fault.fired,
    }
