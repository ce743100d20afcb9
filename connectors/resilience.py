"""Retry policies, client-side rate limiting and the API budget guard, shared by both vendor connectors."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from connectors.errors import BudgetExhaustedError, RateLimitedError, TransientError

T = TypeVar("T")
MAX_RETRY_WAIT_S = 60.0


def _wait(fallback: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """Honour a server's Retry-After (capped); otherwise back off exponentially with jitter."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), MAX_RETRY_WAIT_S)
        return fallback(state)

    return wait


def retry_policy(attempts: int = 6, initial_s: float = 0.5, max_s: float = 20.0) -> Retrying:
    """Retries `TransientError` only; permanent errors and budget stops go straight through."""
    return Retrying(
        retry=retry_if_exception_type(TransientError),
        wait=_wait(wait_exponential_jitter(multiplier=initial_s, max=max_s)),
        stop=stop_after_attempt(attempts),
        reraise=True,
    )


class SlidingWindowLimiter:
    """At most `limit` calls in any `window_s` seconds; `acquire()` sleeps until a slot is free. Thread-safe."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._calls and now - self._calls[0] >= self.window_s:
                    self._calls.popleft()
                if len(self._calls) < self.limit:
                    self._calls.append(now)
                    return
                delay = self.window_s - (now - self._calls[0])
            self.waited_s += delay
            self._sleep(delay)


@dataclass
class ApiBudget:
    """One run's share of a daily API budget, fed from the vendors' usage headers and our own count.

    `spend()` before each call raises `BudgetExhaustedError` once the run has used its share, so the flow
    can checkpoint and stop cleanly before the vendor starts refusing calls.
    """

    system: str
    share: float
    daily_limit: int | None = None
    used_at_start: int | None = None
    used_now: int | None = None
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, used: int, limit: int) -> None:
        """Usage as the vendor reports it (Salesforce Sforce-Limit-Info, HubSpot daily headers)."""
        with self._lock:
            self.daily_limit = limit
            if self.used_at_start is None:
                self.used_at_start = max(used - self.calls, 0)
            self.used_now = used

    @property
    def allowance(self) -> int | None:
        return None if self.daily_limit is None else int(self.daily_limit * self.share)

    @property
    def used_by_run(self) -> int:
        if self.used_now is not None and self.used_at_start is not None:
            return max(self.used_now - self.used_at_start, self.calls)
        return self.calls

    def spend(self, calls: int = 1) -> None:
        with self._lock:
            allowance = self.allowance
            if allowance is not None and self.used_by_run + calls > allowance:
                raise BudgetExhaustedError(self.system, self.used_by_run, allowance)
            if self.daily_limit is not None and self.used_now is not None and self.used_now + calls > self.daily_limit:
                raise BudgetExhaustedError(self.system, self.used_now, self.daily_limit)
            self.calls += calls
            if self.used_now is not None:
                self.used_now += calls
