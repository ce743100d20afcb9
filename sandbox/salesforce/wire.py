"""Salesforce wire conventions: 18-character ids, UTC datetime strings, JSON/XML responses with Sforce-Limit-Info."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime

import orjson
from starlette.responses import Response

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
JSON_TYPE = "application/json;charset=UTF-8"


def id18(id15: str) -> str:
    """The case-insensitive 18-character form of a 15-character Salesforce id."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM[bits]
    return id15 + suffix


class IdFactory:
    """Mints ids per key prefix (`00Q` Lead, `005` User, ...), deterministic for a given start."""

    def __init__(self, pod: str = "5g") -> None:
        self._pod = pod
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def mint(self, prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        digits = ""
        for _ in range(12 - len(self._pod)):
            n, rest = divmod(n, 62)
            digits = _BASE62[rest] + digits
        return id18(prefix + self._pod + digits)


def format_datetime(value: datetime) -> str:
    """`2024-03-05T14:02:11.000+0000`: always UTC, milliseconds, offset without a colon."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    # not strftime: glibc's %Y does not zero-pad years below 1000 ("1-01-01"), Salesforce writes "0001-01-01"
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
            f"{utc.microsecond // 1000:03d}+0000")


def format_date(value: date) -> str:
    return value.isoformat()


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_datetime(text: str) -> datetime:
    """Accepts the wire form and ISO 8601 with `Z` or `+hh:mm`; naive values are taken as UTC."""
    cleaned = text.strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(cleaned)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def normalize_datetime(value: object) -> object:
    """Store datetimes as wire strings so that comparing two of them is comparing strings."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str) and "T" in value:
        return format_datetime(parse_datetime(value))
    return value


def normalize_date(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and "T" in value:
        return value[:10]
    return value


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=JSON_TYPE)


def error_body(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, object]]:
    return [{"message": message, "errorCode": code, "fields": fields or []}]


def error_response(status: int, code: str, message: str, fields: list[str] | None = None) -> Response:
    return json_response(error_body(code, message, fields), status)


def xml_response(body: str, status: int = 200) -> Response:
    return Response(body.encode(), status_code=status, media_type="text/xml;charset=UTF-8")
