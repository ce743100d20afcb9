"""The adaptive limiter on a fake clock: slots held until answered, limits learnt from headers, others' calls."""

from __future__ import annotations

from connectors.resilience import AdaptiveLimiter, Announced

NOTHING = Announced()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _limiter(limit: int = 5, window_s: float = 1.0) -> tuple[AdaptiveLimiter, FakeClock]:
    clock = FakeClock()
    return AdaptiveLimiter(limit, window_s, clock=clock, sleep=clock.sleep), clock


def _call(limiter: AdaptiveLimiter, clock: FakeClock, round_trip_s: float,
          announced: Announced = NOTHING) -> float:
    """One sequential call: returns the instant it was sent."""
    slot = limiter.acquire()
    clock.now += round_trip_s
    limiter.release(slot)
    limiter.observe(slot, announced)
    return slot.sent_at


def test_a_window_counts_from_each_answer_so_the_server_never_sees_one_call_too_many() -> None:
    limiter, clock = _limiter(limit=5, window_s=1.0)
    sent = [_call(limiter, clock, round_trip_s=0.05) for _ in range(20)]
    answered = [s + 0.05 for s in sent]
    for n, start in enumerate(sent):  # the server admits a call between its sending and its answer
        assert sum(1 for a in answered[:n] if a > start - 1.0) < 5
    assert sent[5] >= answered[0] + 1.0 and sent[10] <= 2 * 1.05 + 0.1  # and no slower than that


def test_a_slot_in_flight_is_held_whatever_the_window() -> None:
    limiter, clock = _limiter(limit=1, window_s=0.01)
    first = limiter.acquire()

    def answer_while_waiting(seconds: float) -> None:
        clock.sleep(seconds)
        if first.answered_at is None:
            limiter.release(first)

    limiter._sleep = answer_while_waiting
    clock.now = 5.0  # long past the window: only the missing answer holds the slot
    second = limiter.acquire()
    assert first.answered_at is not None and second.sent_at >= first.answered_at + 0.01


def test_an_announced_limit_and_window_replace_the_configured_ones() -> None:
    limiter, clock = _limiter(limit=190, window_s=10.0)
    _call(limiter, clock, 0.05, Announced(limit=3, remaining=2, window_s=2.0))
    assert (limiter.limit, limiter.window_s) == (3, 2.0)
    _call(limiter, clock, 0.05)
    _call(limiter, clock, 0.05)
    assert not clock.slept
    _call(limiter, clock, 0.05)
    assert clock.slept and sum(clock.slept) > 1.8


def test_calls_the_server_counted_that_were_not_ours_take_slots_so_pacing_slows_near_zero() -> None:
    limiter, clock = _limiter(limit=10, window_s=10.0)
    _call(limiter, clock, 0.05, Announced(limit=10, remaining=3, window_s=10.0))  # 7 used: 1 ours, 6 others'
    assert limiter.foreign == 6 and limiter.in_window == 7
    for _ in range(3):
        _call(limiter, clock, 0.05, Announced(limit=10))
    assert not clock.slept
    _call(limiter, clock, 0.05)
    assert clock.slept  # the window was full: the others' calls counted


def test_remaining_our_own_calls_explain_adds_nothing() -> None:
    limiter, clock = _limiter(limit=10, window_s=10.0)
    for n in range(1, 6):
        _call(limiter, clock, 0.05, Announced(limit=10, remaining=10 - n, window_s=10.0))
    assert limiter.foreign == 0 and limiter.in_window == 5


def test_an_answer_without_headers_keeps_the_configured_pace() -> None:
    limiter, clock = _limiter(limit=4, window_s=1.0)
    for _ in range(5):
        _call(limiter, clock, 0.01)
    assert (limiter.limit, limiter.window_s, limiter.foreign) == (4, 1.0, 0) and clock.slept
