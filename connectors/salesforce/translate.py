"""Translates simple-salesforce and requests failures into leadsync's error tree, in one place.

Messages carry the status and Salesforce's error codes, never response bodies, tokens or record data; the vendor
exception is cut (its type name kept): `SalesforceError.__str__` prints the URL (a SOQL query, emails and all) and
the response body, and a requests `ConnectionError` names the URL it could not reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connectors.errors import (
    AuthError,
    ConnectorError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    RowLockError,
    SessionExpiredError,
    UnavailableError,
    translate_call,
)

SYSTEM = "salesforce"
T = TypeVar("T")


def error_codes(content: Any) -> list[str]:
    """Salesforce's `[{"errorCode": …}]` codes from an error body (JSON list or dict), else none."""
    items = content if isinstance(content, list) else [content]
    return [str(item.get("errorCode")) for item in items if isinstance(item, dict) and item.get("errorCode")]


def translate(operation: str, error: Exception) -> ConnectorError:
    if isinstance(error, SalesforceAuthenticationFailed):
        return AuthError(SYSTEM, operation, "login refused")
    if isinstance(error, requests.ConnectTimeout):
        return UnavailableError(SYSTEM, operation, "connect timed out")
    if isinstance(error, requests.Timeout):
        return UnavailableError(SYSTEM, operation, "timed out", maybe_processed=True)
    if isinstance(error, requests.RequestException):
        return UnavailableError(SYSTEM, operation, "connection failed", maybe_processed=True)
    if isinstance(error, SalesforceError):
        return _from_status(operation, error)
    return UnavailableError(SYSTEM, operation, "unexpected failure")


def _from_status(operation: str, error: SalesforceError) -> ConnectorError:
    status = int(getattr(error, "status", 0) or 0)
    codes = error_codes(getattr(error, "content", None))
    detail = f"HTTP {status}" + (f" {', '.join(codes)}" if codes else "")
    if isinstance(error, SalesforceExpiredSession) or "INVALID_SESSION_ID" in codes:
        return SessionExpiredError(SYSTEM, operation, detail)
    if "UNABLE_TO_LOCK_ROW" in codes:
        return RowLockError(SYSTEM, operation, detail)
    if status == 429:
        return RateLimitedError(SYSTEM, operation, None, detail)
    if isinstance(error, SalesforceRefusedRequest):
        if "REQUEST_LIMIT_EXCEEDED" in codes:
            return RateLimitedError(SYSTEM, operation, 60.0, detail)
        return ForbiddenError(SYSTEM, operation, detail)
    if isinstance(error, SalesforceResourceNotFound):
        return NotFoundError(SYSTEM, operation, detail)
    if isinstance(error, SalesforceMalformedRequest):
        return InvalidRequestError(SYSTEM, operation, detail)
    if status >= 500 or status == 0:
        return UnavailableError(SYSTEM, operation, detail, maybe_processed=status in (0, 502, 504))
    return InvalidRequestError(SYSTEM, operation, detail)


def call(operation: str, fn: Callable[[], T]) -> T:
    return translate_call(operation, fn, translate)


def translated_pages(operation: str, pages: Iterable[T]) -> Iterator[T]:
    """The items of `pages` (a lazy vendor iterator, e.g. Bulk API result pages), each fetch translated."""
    iterator = iter(pages)
    while (step := call(operation, lambda: _advance(iterator))) is not None:
        yield step[0]


def _advance(iterator: Iterator[T]) -> tuple[T] | None:
    """The next item, boxed; None at the end."""
    for item in iterator:
        return (item,)
    return None
