"""Translates hubspot-api-client failures into leadsync's error tree, in one place (duck-typed: every API package
has its own ApiException class). Messages carry status, category and correlation id; never tokens or bodies.
The vendor exception is cut (its type name kept): `ApiException.__str__` prints the response headers and body."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from connectors.errors import (
    AuthError,
    ConnectorError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    translate_call,
)

SYSTEM = "hubspot"
T = TypeVar("T")
NEVER_SENT = (NewConnectionError, ConnectTimeoutError)


RATE_LIMIT_PREFIX = "x-hubspot-ratelimit-"
SECONDLY_POLICY = "SECONDLY"  # the search limit: its window is one second, whatever Interval-Milliseconds says


def rate_limit_headers(headers: Any) -> dict[str, str]:
    """An answer's X-HubSpot-RateLimit-* headers by lowercase suffix (`max`, `remaining`, `daily-remaining`, …);
    `headers` is a header mapping (urllib3's `HTTPHeaderDict`, a dict) or a list of pairs."""
    pairs = headers.items() if hasattr(headers, "items") else headers or ()
    return {str(name).lower().removeprefix(RATE_LIMIT_PREFIX): str(value) for name, value in pairs
            if str(name).lower().startswith(RATE_LIMIT_PREFIX)}


def _details(error: Any) -> tuple[int, str, Mapping[str, str], Mapping[str, Any]]:
    status = int(getattr(error, "status", 0) or 0)
    headers = {str(k).lower(): str(v) for k, v in dict(getattr(error, "headers", None) or {}).items()}
    try:
        body = json.loads(getattr(error, "body", "") or "{}")
    except (TypeError, ValueError):
        body = {}
    body = body if isinstance(body, dict) else {}
    parts = [f"HTTP {status}"] + [str(body[k]) for k in ("category", "policyName", "correlationId") if body.get(k)]
    return status, " ".join(parts), headers, body


def _rate_limit_wait(headers: Mapping[str, str], body: Mapping[str, Any]) -> float | None:
    """Retry-After when sent (not always: hubspot.md §1.6); else the refused window's length."""
    if headers.get("retry-after"):
        return float(headers["retry-after"])
    if body.get("policyName") == SECONDLY_POLICY:
        return 1.0
    interval = headers.get(RATE_LIMIT_PREFIX + "interval-milliseconds")
    return float(interval) / 1000 if interval else None


def _never_sent(error: Exception) -> bool:
    """No connection was made (urllib3 raises these before a byte of the request is sent)."""
    reason = getattr(error, "reason", None)  # urllib3's MaxRetryError wraps the cause
    return isinstance(error, NEVER_SENT) or isinstance(reason, NEVER_SENT)


def translate(operation: str, error: Exception) -> ConnectorError:
    if not hasattr(error, "status"):
        if _never_sent(error):
            return UnavailableError(SYSTEM, operation, "connection refused or timed out")
        return UnavailableError(SYSTEM, operation, "connection failed", maybe_processed=True)
    status, detail, headers, body = _details(error)
    if status == 429:
        return RateLimitedError(SYSTEM, operation, _rate_limit_wait(headers, body), detail)
    if status >= 500 or status == 0:
        return UnavailableError(SYSTEM, operation, detail, maybe_processed=status in (0, 502, 504))
    if status == 401:
        return AuthError(SYSTEM, operation, detail)
    if status == 403:
        return ForbiddenError(SYSTEM, operation, detail)
    if status == 404:
        return NotFoundError(SYSTEM, operation, detail)
    return InvalidRequestError(SYSTEM, operation, detail)


def call(operation: str, fn: Callable[[], T]) -> T:
    return translate_call(operation, fn, translate)
