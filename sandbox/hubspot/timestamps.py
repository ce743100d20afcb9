"""Millisecond clock values and HubSpot's ISO-8601 rendering (`YYYY-MM-DDTHH:MM:SS.mmmZ`, hubspot.md §10)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

Clock = Callable[[], int]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


class ManualClock:
    """A millisecond clock moved by hand, for deterministic tests and demos."""

    def __init__(self, start_ms: int = 1_780_000_000_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_from_ms(ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=ms)
    # not %Y: glibc does not zero-pad years below 1000
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


@lru_cache(maxsize=65536)
def ms_from_text(text: str) -> int | None:
    """Epoch milliseconds from an epoch-ms string or an ISO-8601 string; None if neither."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_MS
