"""Translates hubspot-api-client failures into leadsync's error tree, in one place (duck-typed: every API package
has its own ApiException class). Messages carry status, category and correlation id; never tokens or bodies.
The vendor exception is cut (its type name kept): `ApiException.__str__` prints the response headers and body."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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


def _details(error: Any) -> tuple[int, str, Mapping[str, str]]:
    status = int(getattr(error, "status", 0) or 0)
    headers = dict(getattr(error, "headers", None) or {})
    try:
        body = json.loads(getattr(error, "body", "") or "{}")
    except (TypeError, ValueError):
        body = {}
    parts = [f"HTTP {status}"] + [str(body[k]) for k in ("category", "correlationId") if isinstance(body, dict) and body.get(k)]
    return status, " ".join(parts), headers


def translate(operation: str, error: Exception) -> ConnectorError:
    if not hasattr(error, "status"):
        return UnavailableError(SYSTEM, operation, "connection failed", maybe_processed=True)
    status, detail, headers = _details(error)
    if status == 429:
        retry = headers.get("Retry-After") or headers.get("retry-after")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        wait = float(retry) if retry else (float(interval) / 1000 if interval else None)
        return RateLimitedError(SYSTEM, operation, wait, detail)
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
