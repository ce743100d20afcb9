"""Retry policies, client-side rate limiting and the API budget guard, shared by both vendor connectors."""

from __future__ import annotations

import threading
import time
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


@dataclass
class Slot:
    """One call's place in a limiter's window: taken when the call is sent, timed from when its answer came."""

    sent_at: float
    answered_at: float | None = None  # None while in flight: the slot is held, whatever the window


@dataclass(frozen=True)
class Announced:
    """What a server said about one rate-limit window on one answer; any part may be missing."""

    limit: int | None = None
    remaining: int | None = None
    window_s: float | None = None


class AdaptiveLimiter:
    """At most `limit` calls in any `window_s` seconds, learnt from the server's rate-limit headers. Thread-safe.

    A slot is timed from the call's answer, not from its sending: the server counts a call when it admits it,
    somewhere in between, so our window never lets a slot go before the server's does (timing from the sending
    lets jitter put one call too many in the server's window: a 429 storm at the full rate). When an answer
    says fewer calls remain than ours alone explain, the difference (other clients of the same limit) takes
    slots too, so pacing slows as `Remaining` nears 0. `limit` and `window_s` start as configured; an answer
    announcing them replaces them, lower or higher.
    """

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, idle_poll_s: float = 0.005) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._idle_poll_s = idle_poll_s  # every slot is in flight: look again this soon
        self._slots: list[Slot] = []
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.foreign = 0  # slots taken for calls the server counted that were not ours
        self.exhausted = 0  # answers announcing 0 remaining: windows used to the full

    def acquire(self) -> Slot:
        """Wait for a free slot and take it; hand it back to `release` once the call is answered (or failed)."""
        while True:
            with self._lock:
                now = self._clock()
                self._forget(now)
                if self._taken(now) < self.limit:
                    slot = Slot(now)
                    self._slots.append(slot)
                    return slot
                delay = self._next_free(now)
            self.waited_s += delay
            self._sleep(delay)

    def release(self, slot: Slot) -> None:
        with self._lock:
            slot.answered_at = self._clock()

    def observe(self, slot: Slot, announced: Announced) -> None:
        """Learn from the answer to `slot`'s call; call after `release`."""
        with self._lock:
            if announced.limit is not None and announced.limit > 0:
                self.limit = announced.limit
            if announced.window_s is not None and announced.window_s > 0:
                self.window_s = announced.window_s
            if announced.remaining is None:
                return
            self.exhausted += announced.remaining == 0
            used_by_server = self.limit - announced.remaining
            unexplained = used_by_server - self._ours_counted_with(slot)
            if unexplained > 0:
                now = self._clock()
                self._slots.extend(Slot(now, now) for _ in range(unexplained))
                self.foreign += unexplained

    @property
    def in_window(self) -> int:
        with self._lock:
            return self._taken(self._clock())

    def _taken(self, now: float) -> int:
        horizon = now - self.window_s
        return sum(1 for s in self._slots if s.answered_at is None or s.answered_at > horizon)

    def _ours_counted_with(self, slot: Slot) -> int:
        """Slots the server may have counted when it admitted `slot`'s call: taken no later, and not yet expired
        at its sending (the server admitted it after that, so it forgot no more than we did)."""
        horizon = slot.sent_at - self.window_s
        return sum(1 for s in self._slots if s.sent_at <= slot.sent_at
                   and (s.answered_at is None or s.answered_at > horizon))

    def _forget(self, now: float) -> None:
        """Drop slots out of every window still to be observed (kept one window longer than they count: an answer
        on its way may still be compared with them)."""
        horizon = now - 2 * self.window_s
        self._slots = [s for s in self._slots if s.answered_at is None or s.answered_at > horizon]

    def _next_free(self, now: float) -> float:
        horizon = now - self.window_s
        answered = [s.answered_at for s in self._slots if s.answered_at is not None and s.answered_at > horizon]
        if not answered:
            return self._idle_poll_s
        return max(min(answered) + self.window_s - now, 0.0) or self._idle_poll_s


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

    def check_room(self) -> None:
        """Raise once the run is past its share (or the org at its daily limit) by what the vendor reported: for the
        requests one logical call makes on its own (a Bulk job's status polls and result pages), each checked before
        it goes, while `spend` counted the call once."""
        with self._lock:
            self._refuse_beyond(run_calls=0, org_calls=1)

    def spend(self, calls: int = 1) -> None:
        with self._lock:
            self._refuse_beyond(run_calls=calls, org_calls=calls)
            self.calls += calls
            if self.used_now is not None:
                self.used_now += calls

    def _refuse_beyond(self, run_calls: int, org_calls: int) -> None:
        """BudgetExhaustedError if `run_calls` more would pass the run's share or `org_calls` more the daily limit."""
        allowance = self.allowance
        if allowance is not None and self.used_by_run + run_calls > allowance:
            raise BudgetExhaustedError(self.system, self.used_by_run, allowance)
        if self.daily_limit is not None and self.used_now is not None and self.used_now + org_calls > self.daily_limit:
            raise BudgetExhaustedError(self.system, self.used_now, self.daily_limit)
