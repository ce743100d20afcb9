"""Raw API values (REST JSON, Bulk CSV strings, HubSpot string properties) to typed canonical values.

Every converter returns (value, problem kind or None) and never raises: garbage becomes None plus a problem.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mapping.business_time import CLOCK_LATEST as _LATEST
from mapping.business_time import EARLIEST as _EARLIEST
from mapping.business_time import clock_range
from mapping.records import ProblemKind

MAX_TEXT = 4096  # longer values are refused as garbage (a 100 KB "name" is not a name)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$")
_EPOCH_MS = re.compile(r"^\d{12,14}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
Converted = tuple[Any, ProblemKind | None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any) -> Converted:
    if _blank(value):
        return None, None
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TEXT:
        return None, ProblemKind.OVERSIZED_VALUE
    return text.strip(), None


def normalize_email(value: Any) -> tuple[str | None, bool, ProblemKind | None]:
    """(normalized email, valid?, problem). Normalized: NFKC, trimmed, lower-cased."""
    if _blank(value):
        return None, False, ProblemKind.MISSING_EMAIL
    if not isinstance(value, str) or len(value) > 320:
        return None, False, ProblemKind.INVALID_EMAIL
    email = unicodedata.normalize("NFKC", value).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        return email if email.isprintable() else None, False, ProblemKind.INVALID_EMAIL
    return email, True, None


def to_number(value: Any) -> Converted:
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return None, ProblemKind.UNPARSEABLE_NUMBER
    try:
        number = float(value.strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None, ProblemKind.UNPARSEABLE_NUMBER
    if not math.isfinite(number):
        return None, ProblemKind.UNPARSEABLE_NUMBER
    return number, None


def to_boolean(value: Any) -> Converted:
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, ProblemKind.UNPARSEABLE_BOOLEAN


def to_datetime(value: Any) -> tuple[datetime | None, bool, ProblemKind | None]:
    """(UTC-aware instant, known only to the day?, problem). Naive values are taken as UTC, as both APIs send UTC.

    Instants an SLA clock cannot use (outside the business calendar's years, `business_time.clock_range`) are
    problems too: one CRM's 0001-01-01 must not stop a run.
    """
    if _blank(value):
        return None, False, None
    if isinstance(value, datetime):
        return _bounded(value, False)
    if isinstance(value, date):
        return _bounded(datetime(value.year, value.month, value.day), True)
    if not isinstance(value, str) or len(value) > 40:
        return None, False, ProblemKind.UNPARSEABLE_DATETIME
    text = value.strip()
    if _EPOCH_MS.match(text):
        return _bounded(_EPOCH + timedelta(milliseconds=int(text)), False)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None, False, ProblemKind.UNPARSEABLE_DATETIME
    return _bounded(parsed, len(text) == 10)


def _bounded(value: datetime, day_only: bool) -> tuple[datetime | None, bool, ProblemKind | None]:
    try:
        instant = _utc(value)
    except OverflowError:  # an offset that moves 0001-01-01 or 9999-12-31 out of what datetime holds
        return None, False, ProblemKind.UNPARSEABLE_DATETIME
    if not clock_range(instant):
        return None, False, ProblemKind.UNPARSEABLE_DATETIME
    return instant, day_only, None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def excerpt(value: Any, limit: int = 80) -> str:
    """A short, printable excerpt of a raw value for reports (never the whole 100 KB)."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


_fromisoformat = datetime.fromisoformat


def fast_datetime(value: Any) -> tuple[datetime | None, bool, ProblemKind | None]:
    """`to_datetime` with a fast path for the common case: an ISO string with a UTC offset."""
    if value is None:
        return None, False, None
    if value.__class__ is str and 10 < len(value) <= 40:
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            return to_datetime(value)
        if parsed.tzinfo is UTC and _EARLIEST <= parsed < _LATEST:
            return parsed, False, None
    return to_datetime(value)


def fast_text(value: Any) -> Converted:
    """`to_text` with a fast path for ordinary strings."""
    if value is None:
        return None, None
    if value.__class__ is str and len(value) <= MAX_TEXT:
        return value.strip() or None, None
    return to_text(value)


ID18_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id18(record_id: str) -> str:
    """The 18-character form the APIs answer with: a 15-character id gains its case-safe suffix; others unchanged."""
    if len(record_id) != 15 or not record_id.isalnum():
        return record_id
    suffix = "".join(ID18_ALPHABET[sum(1 << i for i, ch in enumerate(record_id[n:n + 5]) if "A" <= ch <= "Z")]
                     for n in range(0, 15, 5))
    return record_id + suffix


_EPOCH_DAY = date(1970, 1, 1).toordinal()


def epoch_ms(instant: datetime) -> int:
    """Epoch milliseconds, rounded down (exactly: float seconds × 1000 can lose the last millisecond)."""
    return _epoch_us(instant) // 1000


def epoch_ms_ceil(instant: datetime) -> int:
    """Epoch milliseconds, rounded up: a window's exclusive end keeps what was stamped in the end's millisecond."""
    return -(-_epoch_us(instant) // 1000)


def _epoch_us(instant: datetime) -> int:
    # From the fields, not `instant - epoch`: Prefect hands pendulum instants, whose differences divide differently.
    utc = instant.astimezone(UTC)
    seconds = (date(utc.year, utc.month, utc.day).toordinal() - _EPOCH_DAY) * 86_400 + utc.hour * 3600 \
        + utc.minute * 60 + utc.second
    return seconds * 1_000_000 + utc.microsecond
