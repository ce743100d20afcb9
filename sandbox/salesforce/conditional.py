"""Conditional request headers on sObject rows: `If-Unmodified-Since` (PATCH) and `If-Modified-Since` (GET).

Compared with the record's LastModifiedDate at HTTP-date (whole second) precision; an unreadable date on a PATCH is
400, as the conditional-requests page of the REST guide says.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from starlette.responses import Response

from .wire import error_response, parse_datetime


class BadHeader(ValueError):
    """A conditional header whose value is not an HTTP date."""


def http_date(value: str) -> datetime:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as error:
        raise BadHeader(value) from error


def _modified_after(last_modified: object, moment: datetime) -> bool:
    if not isinstance(last_modified, str):
        return False
    return parse_datetime(last_modified).replace(microsecond=0) > moment


def unmodified_refusal(header: str, last_modified: object) -> Response | None:
    """412 when the record changed after `header` (If-Unmodified-Since), 400 when it is no date, else None."""
    if not header:
        return None
    try:
        moment = http_date(header)
    except BadHeader:
        return error_response(400, "INVALID_HEADER_TYPE", f"Invalid If-Unmodified-Since header: {header}")
    if _modified_after(last_modified, moment):
        return error_response(412, "PRECONDITION_FAILED", "The record was modified after the If-Unmodified-Since date")
    return None


def not_modified(header: str, last_modified: object) -> bool:
    """True when a GET with If-Modified-Since may answer 304 (the record did not change after the date)."""
    if not header or not isinstance(last_modified, str):
        return False
    try:
        return not _modified_after(last_modified, http_date(header))
    except BadHeader:
        return False
