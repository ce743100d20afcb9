"""Who holds a run lock: the run id, plus the host and process, so a crashed holder on this host is recognised."""

from __future__ import annotations

import os
import socket

SEPARATOR = "@"
HOST_CHARS = 18  # the tag must fit the lock table's 64 characters with a 36-character run id


def _host() -> str:
    return socket.gethostname()[:HOST_CHARS]


def holder_tag(run_id: str) -> str:
    """`<run id>@<host>:<pid>` for this process."""
    return f"{run_id}{SEPARATOR}{_host()}:{os.getpid()}"


def holder_is_dead(tag: str) -> bool:
    """True only when the holder ran on this host and its process no longer exists (never guesses otherwise)."""
    _, found, where = tag.rpartition(SEPARATOR)
    host, _, pid_text = where.rpartition(":")
    if not found or host != _host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child not yet reaped by its parent still has a pid; its state in /proc is Z."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
