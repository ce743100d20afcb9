"""HubSpot's rate limits: rolling 10-second burst, per-second search, daily; headers and 429 bodies (§7)."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .switches import Switches
from .wire import Json, correlation_id

_POLICIES = {
    "TEN_SECONDLY_ROLLING": ("You have reached your ten_secondly_rolling limit.", "api-calls-ten-secondly"),
    "SECONDLY": ("You have reached your secondly limit.", "search-api-calls-secondly"),
    "DAILY": ("You have reached your daily limit.", "api-calls-daily"),
}


@dataclass(frozen=True)
class Refusal:
    """A call over a limit: the 429 body and its Retry-After (seconds)."""

    body: Json
    retry_after_s: int


def rate_limit_body(policy: str, app_id: int, portal_id: int) -> Json:
    message, group = _POLICIES[policy]
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "groupName": f"publicapi:private_app-{group}:{app_id}:{portal_id}",
    }


class RateLimiter:
    """Counts admitted calls in the windows the switches enable; refused calls are not counted."""

    def __init__(
        self, switches: Switches, app_id: int, portal_id: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._switches = switches
        self._app_id = app_id
        self._portal_id = portal_id
        self._monotonic = monotonic
        self._burst: deque[float] = deque()
        self._search: deque[float] = deque()
        self._daily = 0
        self._day = datetime.now(UTC).date()
        self._lock = threading.Lock()
        self.refused: Counter[str] = Counter()  # 429s answered, by policy: what a client's pacing should keep at 0

    @property
    def daily_used(self) -> int:
        """Calls admitted today: what `X-HubSpot-RateLimit-Daily-Remaining` is counted down from."""
        with self._lock:
            return self._daily

    def reset(self) -> None:
        with self._lock:
            self._burst.clear()
            self._search.clear()
            self._daily = 0
            self.refused.clear()

    def admit(self, is_search: bool) -> tuple[Refusal | None, dict[str, str]]:
        with self._lock:
            now = self._monotonic()
            self._expire(now)
            refusal = self._refusal(now, is_search)
            if refusal is None:
                self._daily += 1
                if is_search:
                    self._search.append(now)
                if not is_search or self._switches.search_counts_toward_burst:
                    self._burst.append(now)
            return refusal, self._headers(now, is_search)

    def _expire(self, now: float) -> None:
        while self._burst and self._burst[0] <= now - 10.0:
            self._burst.popleft()
        while self._search and self._search[0] <= now - 1.0:
            self._search.popleft()
        today = datetime.now(UTC).date()
        if today != self._day:
            self._day, self._daily = today, 0

    def _refusal(self, now: float, is_search: bool) -> Refusal | None:
        switches = self._switches
        if switches.daily_limit is not None and self._daily >= switches.daily_limit:
            return self._refuse("DAILY", _seconds_to_midnight())
        if (
            is_search
            and switches.search_per_second is not None
            and len(self._search) >= switches.search_per_second
        ):
            return self._refuse("SECONDLY", self._search[0] + 1.0 - now)
        counts = not is_search or switches.search_counts_toward_burst
        if counts and switches.limit_per_10s is not None and len(self._burst) >= switches.limit_per_10s:
            return self._refuse("TEN_SECONDLY_ROLLING", self._burst[0] + 10.0 - now)
        return None

    def _refuse(self, policy: str, wait_s: float) -> Refusal:
        self.refused[policy] += 1
        return Refusal(rate_limit_body(policy, self._app_id, self._portal_id), max(1, math.ceil(wait_s)))

    def _headers(self, now: float, is_search: bool) -> dict[str, str]:
        switches = self._switches
        headers: dict[str, str] = {}
        if switches.limit_per_10s is not None:
            burst = switches.limit_per_10s
            headers["X-HubSpot-RateLimit-Max"] = str(burst)
            headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, burst - len(self._burst)))
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = "10000"
        secondly = switches.search_per_second if is_search else _per_second(switches.limit_per_10s)
        if secondly is not None:
            recent = self._search if is_search else [t for t in self._burst if t > now - 1.0]
            headers["X-HubSpot-RateLimit-Secondly"] = str(secondly)
            headers["X-HubSpot-RateLimit-Secondly-Remaining"] = str(max(0, secondly - len(recent)))
        if switches.daily_limit is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(switches.daily_limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, switches.daily_limit - self._daily))
        return headers


def _per_second(per_10s: int | None) -> int | None:
    return None if per_10s is None else max(1, per_10s // 10)


def _seconds_to_midnight() -> float:
    now = datetime.now(UTC)
    return 86400.0 - (now.hour * 3600 + now.minute * 60 + now.second)
