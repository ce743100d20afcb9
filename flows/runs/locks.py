"""Waiting for a lock another run holds: writes of concurrent runs (a sync and a backfill) take turns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from connectors.errors import RunLockedError
from connectors.ports import Locks

WRITES_LOCK = "writes"  # held by whichever run is writing to the systems, whatever its kind
POLL_S = 0.5


@contextmanager
def waiting_lock(state: Locks, kind: str, holder: str, ttl: timedelta, wait_s: float,
                 sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """Take the lock, waiting up to `wait_s` for its holder to finish; then `RunLockedError` as usual."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            lock = state.lock(kind, holder, ttl)
            lock.__enter__()
            break
        except RunLockedError:
            if time.monotonic() >= deadline:
                raise
            sleep(POLL_S)
    try:
        yield
    except BaseException as exc:
        if not lock.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        lock.__exit__(None, None, None)
