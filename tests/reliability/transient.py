"""Scenarios 1 and 2: transient faults, session expiry and a daily API budget running out mid-run.

1. A sync with 10% of data calls failing at random (429 with and without Retry-After, 503, an HTML 502, connection
   resets, answers slower than the timeout) ends exactly where a fault-free sync on the same seed ends.
2. Sessions expiring mid-run are renewed (at most twice a run); a budget running out stops the run cleanly and
   the next run resumes and converges.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from table import Row
from world import AS_OF, World, an_earlier_sync_long_ago, differences, duplicates, world

from connectors.errors import AuthError
from flows.runs.services import CRM, MA
from flows.runs.sync import run_sync
from sandbox.runtime import Fault, FaultKind


def run(full: bool) -> list[Row]:
    leads = 10_000 if full else 600
    with tempfile.TemporaryDirectory(prefix="leadsync-reliability-") as tmp:
        base = Path(tmp)
        reference = _reference(base / "reference", leads)
        rows = [_transient_faults(base / "faults", leads, reference)]
        rows += _session_and_budget(base / "session", min(leads, 2_000))
    return rows


def _reference(tmp: Path, leads: int) -> dict[str, object]:
    with world(tmp, leads) as w:
        report = w.sync()
        again = w.sync()
        return {"state": w.final_state(), "applied": w.applied(), "corrections": len(report.corrections),
                "calls": w.calls(), "converged": len(again.corrections) == 0 and report.status == "succeeded"}


def _transient_faults(tmp: Path, leads: int, reference: dict[str, object]) -> Row:
    with world(tmp, leads) as w:
        an_earlier_sync_long_ago(w.database_url)  # the path with the most calls: every kind of call meets faults
        w.inject_transient(0.10)
        started = time.monotonic()
        with w.services() as services:
            report = run_sync(services, as_of=AS_OF, dry_run=False, allow_mass_change=True)
            retries = sum(services.systems[s].writer.api.retries for s in (CRM, MA))  # type: ignore[attr-defined]
        seconds = time.monotonic() - started
        calls, injected = w.calls(), w.injected()
        kinds = w.handle.salesforce.faults.injected + w.handle.hubspot.faults.injected
        w.handle.salesforce.faults.clear()
        w.handle.hubspot.faults.clear()
        state, journal, applied = w.final_state(), w.journal(), w.applied()
    lost = differences(reference["state"], state)  # type: ignore[arg-type]
    figures = {"leads": leads, "status": report.status, "calls": calls, "faults": injected,
               "by_kind": "/".join(f"{k}:{n}" for k, n in sorted(kinds.items())), "retries": retries,
               "corrections": len(report.corrections), "duplicate_writes": duplicates(journal),
               "lost_corrections": lost, "audit_equal": applied == reference["applied"],
               "journal_equals_audit": journal == applied, "seconds": round(seconds, 1)}
    passed = (report.status == "succeeded" and bool(reference["converged"]) and injected > 0
              and figures["duplicate_writes"] == 0 and lost == 0 and applied == reference["applied"]
              and journal == applied)
    return Row("1 transient faults (10%)", passed, figures)


def _session_and_budget(tmp: Path, leads: int) -> list[Row]:
    reference = _reference(tmp / "reference", leads)
    return [_session_expiry(tmp / "session", leads, reference), _session_cap(tmp / "cap", leads),
            _budget(tmp / "budget", leads, reference)]


def _password_login(w: World) -> None:
    """Log in with username, password and token, so an expired session can be renewed."""
    w.env.pop("LEADSYNC_SALESFORCE_SESSION_ID", None)
    w.env["LEADSYNC_SALESFORCE_DOMAIN"] = w.handle.sf.login_domain


def _session_expiry(tmp: Path, leads: int, reference: dict[str, object]) -> Row:
    with world(tmp, leads) as w:
        _password_login(w)
        for nth in (3, 9):
            w.handle.salesforce.faults.add(Fault("sf.query*", FaultKind.INVALID_SESSION, nth=nth))
        report = w.sync()
        relogins = w.handle.salesforce.calls.snapshot().get("sf.login.soap", 0) - 1  # the client renews, then we do
        lost = differences(reference["state"], w.final_state())  # type: ignore[arg-type]
        dupes = duplicates(w.journal())
    passed = report.status == "succeeded" and relogins == 2 and lost == 0 and dupes == 0
    return Row("2 session expiry mid-run", passed, {"expiries": 2, "relogins": relogins, "status": report.status,
                                                     "lost_corrections": lost, "duplicate_writes": dupes})


def _session_cap(tmp: Path, leads: int) -> Row:
    """A third expiry in one run is not chased: the run fails with a clear error, and the next run converges."""
    with world(tmp, leads) as w:
        _password_login(w)
        w.handle.salesforce.faults.add(Fault("sf.query*", FaultKind.INVALID_SESSION, nth=2, times=None, probability=1.0))
        error = ""
        try:
            w.sync()
        except AuthError as exc:
            error = str(exc)
        w.handle.salesforce.faults.clear()
        after = w.sync()
        again = w.sync()
        dupes = duplicates(w.journal())
    passed = "cannot be renewed" in error and after.status == "succeeded" and not again.corrections and dupes == 0
    return Row("2 session renewal capped", passed, {"error": repr(error[:60]), "next_run": after.status,
                                                     "converged": not again.corrections, "duplicate_writes": dupes})


def _budget(tmp: Path, leads: int, reference: dict[str, object]) -> Row:
    """The org's daily budget is nearly spent: the run stops cleanly, and after the reset the next run converges."""
    with world(tmp, leads, LEADSYNC_BUDGET_SHARE="1.0") as w:
        switches = w.handle.salesforce.switches
        needed = int(reference["calls"]) // 2  # type: ignore[call-overload]
        switches.daily_api_max, switches.api_usage = 100_000, 100_000 - needed
        first = w.sync()
        stopped = first.status == "budget_exhausted"
        switches.api_usage = 0  # a new day
        second = w.sync()
        third = w.sync()
        lost = differences(reference["state"], w.final_state())  # type: ignore[arg-type]
        dupes = duplicates(w.journal())
    passed = stopped and second.status == "succeeded" and not third.corrections and lost == 0 and dupes == 0
    return Row("2 budget exhausted mid-run", passed, {"first_run": first.status, "resumed": second.status,
                                                       "lost_corrections": lost, "duplicate_writes": dupes})
