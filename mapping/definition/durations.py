"""Parsers for the small value languages of definition files: business durations, fractions, hour ranges."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

_UNIT_SECONDS = {"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
                 "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_ISO = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?$")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
MAX_BUSINESS_HOURS = 10_000  # about five working years; beyond it an SLA is a typo (and overflows timedelta)


def parse_business_duration(value: Any) -> timedelta:
    """'4h', '1h 30m', '90 minutes' or ISO 'PT1H30M' -> timedelta of business time (positive)."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a business-time duration such as '4h', '30m' or 'PT4H'")
    text = value.strip()
    seconds = _iso_seconds(text) if text.upper().startswith("PT") else _unit_seconds(text.lower())
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    if not seconds <= MAX_BUSINESS_HOURS * 3600:
        raise ValueError(f"duration {value!r} is longer than {MAX_BUSINESS_HOURS} business hours")
    return timedelta(seconds=seconds)


def _iso_seconds(text: str) -> float:
    match = _ISO.match(text.upper())
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not an ISO 8601 time duration such as 'PT4H' or 'PT1H30M'")
    hours, minutes = (float(group) if group else 0.0 for group in match.groups())
    return hours * 3600 + minutes * 60


def _unit_seconds(text: str) -> float:
    parts = _PART.findall(text)
    if not parts or _PART.sub("", text).strip():
        raise ValueError(f"{text!r} is not a duration; write hours and minutes of business time, e.g. '4h' or '1h 30m'")
    total = 0.0
    for number, unit in parts:
        if unit in {"d", "day", "days", "w", "week", "weeks"}:
            raise ValueError(f"{text!r}: days depend on the calendar's working hours; write business hours, e.g. '16h'")
        if unit not in _UNIT_SECONDS:
            raise ValueError(f"{text!r}: unknown unit {unit!r}; use 'h' or 'm'")
        total += float(number) * _UNIT_SECONDS[unit]
    return total


def parse_fraction(value: Any) -> float:
    """'75%' or 0.75 -> 0.75, strictly between 0 and 1."""
    if isinstance(value, bool):  # a ValueError, not a TypeError: pydantic reports only that as a validation issue
        raise ValueError("expected a share such as '75%' or 0.75")  # noqa: TRY004
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            number = float(value.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage such as '75%'") from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise ValueError("expected a share such as '75%' or 0.75")
    if not 0 < number < 1:
        raise ValueError(f"{value!r} must lie strictly between 0% and 100%")
    return number


def parse_hours_range(value: Any) -> tuple[time, time]:
    """'09:00-17:00' -> (09:00, 17:00); the end must come after the start on the same day."""
    if isinstance(value, tuple):
        return value
    match = _HOURS.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected working hours as 'HH:MM-HH:MM' (quoted), got {value!r}")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{value!r} is not a valid time range")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{value!r}: the end must be after the start (overnight shifts are two ranges)")
    return start, end
