"""Scenario 3: the process is killed (SIGKILL) at random points during apply and during a backfill.

Each trial runs the real CLI in a child process against fresh emulators on the same seed, kills it when the
emulators have carried out a random number of writes (sync) or answered a random number of calls (backfill), and
reruns the same command to completion. The final state must equal a crash-free run's, and the audit log must hold
every write the emulators carried out exactly once (the emulators' journal equals the audit's applied rows).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from table import Row
from world import AS_OF, World, differences, duplicates, world

LEADSYNC = str(Path(sys.executable).with_name("leadsync"))
ISO = AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
SYNC = ["sync", "--allow-mass-change", "--as-of", ISO]
BACKFILL = ["backfill", "--start", "2026-09-01T00:00:00Z", "--end", ISO, "--chunk-days", "7", "--apply",
            "--allow-mass-change", "--as-of", ISO]


def run(full: bool) -> list[Row]:
    trials = 12 if full else 2
    leads = 1_500 if full else 300
    rng = random.Random(20261129)
    with tempfile.TemporaryDirectory(prefix="leadsync-crashes-") as tmp:
        base = Path(tmp)
        return [_trials("3 crashes during apply (sync)", base / "sync", SYNC, leads, trials, rng, by_writes=True),
                _trials("3 crashes during backfill", base / "backfill", BACKFILL, leads, trials, rng, by_writes=False)]


def _trials(name: str, tmp: Path, command: list[str], leads: int, trials: int, rng: random.Random,
            by_writes: bool) -> Row:
    with world(tmp / "reference", leads) as w:
        _cli(w, command, check=True)
        reference, total = w.final_state(), (sum(w.journal().values()) if by_writes else w.calls())
    killed = converged = exactly_once = 0
    duplicate_writes = lost = 0
    for trial in range(trials):
        point = rng.randint(1, max(total - 1, 1))
        with world(tmp / f"trial-{trial}", leads) as w:
            progress = (lambda w=w: sum(w.journal().values())) if by_writes else w.calls
            killed += _run_and_kill(w, command, progress, point)
            _cli(w, command, check=True)
            differing = differences(reference, w.final_state())
            journal, applied = w.journal(), w.applied()
        lost += differing
        duplicate_writes += duplicates(journal)
        converged += differing == 0
        exactly_once += journal == applied
    figures = {"trials": trials, "killed": killed, "converged": converged, "audit_exactly_once": exactly_once,
               "duplicate_writes": duplicate_writes, "lost_corrections": lost, "kill_range": f"1..{total}"}
    passed = killed == trials and converged == trials and exactly_once == trials and duplicate_writes == 0
    return Row(name, passed, figures)


def _run_and_kill(w: World, command: list[str], progress: Callable[[], int], point: int) -> bool:
    """Start the command and SIGKILL it once `progress()` reaches `point`; False if it finished first."""
    child = subprocess.Popen([LEADSYNC, *command], env=_env(w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while child.poll() is None:
        if progress() >= point:
            child.send_signal(signal.SIGKILL)
            child.wait()
            return True
        time.sleep(0.002)
    return False


def _cli(w: World, command: list[str], check: bool) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([LEADSYNC, *command], env=_env(w), capture_output=True, text=True, timeout=900, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"leadsync {' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return done


def _env(w: World) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEADSYNC_")}
    return {**base, **w.env, "PREFECT_LOGGING_LEVEL": "WARNING"}
