"""Scenario 8: a future --as-of.

`leadsync sync --as-of 2030-…` once stored a 2030 watermark, and every later sync pulled nothing and reported
success. Now an applying run (sync, sla, backfill --apply) refuses a future as-of (exit 2) and stores nothing; a dry
run may look ahead (`plan --as-of 2030-…`: only its decision and SLA clock move); a watermark an older version left
beyond the wall clock is not trusted (the next sync pulls everything again); and watermarks never pass the wall
clock. Zero lost: the sync after all that ends where a lone sync ends, and a change made after it is picked up by the
next sync.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from crashes import SYNC
from table import Row
from world import World, against_reference, differences

from connectors.store.sql_state import open_run_state
from flows.runs.services import CRM, MA

FUTURE = "2030-01-01T00:00:00Z"
APPLYING = (["sync", "--allow-mass-change", "--as-of", FUTURE], ["sla", "--as-of", FUTURE],
            ["backfill", "--start", "2026-09-01T00:00:00Z", "--end", "2026-11-24T00:00:00Z", "--apply",
             "--allow-mass-change", "--as-of", FUTURE])
FRESH = 5  # leads a CRM user creates after the sync, each needing a correction


def run(full: bool) -> list[Row]:
    return [against_reference("leadsync-future-", 1_500 if full else 300, _future_as_of)]


def _future_as_of(w: World, reference: dict[str, Any]) -> Row:
    started = time.monotonic()
    problems: list[str] = []
    refused = 0
    for command in APPLYING:
        done = w.cli(command)
        if done.returncode == 2 and "in the future" in done.stdout + done.stderr:
            refused += 1
        else:
            problems.append(f"{command[0]} --as-of {FUTURE}: exit {done.returncode}, {done.stderr.strip()[-160:]}")
    looked = w.cli(["plan", "--json", "--as-of", FUTURE])
    if looked.returncode not in (0, 3) or json.loads(looked.stdout or "{}").get("as_of") != FUTURE:
        problems.append(f"plan --as-of {FUTURE}: exit {looked.returncode}, {looked.stderr.strip()[-160:]}")
    stored_by_refused = len(_watermarks(w)) + sum(w.journal().values())
    _poison(w)  # what an older version left behind: 2030 watermarks
    synced = w.cli(SYNC)
    lost = differences(reference, w.final_state()) if synced.returncode == 0 else -1
    missed = _fresh_changes_missed(w)
    wall = datetime.now(UTC)
    ahead = sum(1 for mark in _watermarks(w).values() if mark > wall)
    figures = {"refused": f"{refused}/{len(APPLYING)}", "stored_by_refused": stored_by_refused, "lost": lost,
               "later_changes_missed": missed, "watermarks_ahead": ahead, "s": round(time.monotonic() - started, 1)}
    passed = not problems and stored_by_refused == 0 and lost == 0 and missed == 0 and ahead == 0
    return Row("8 future as-of", passed, figures, problems[0] if problems else "")


def _watermarks(w: World) -> dict[str, datetime]:
    store = open_run_state(w.database_url)
    try:
        return {system: mark for system in (CRM, MA) if (mark := store.watermark(system)) is not None}
    finally:
        store.close()


def _poison(w: World) -> None:
    store = open_run_state(w.database_url)
    try:
        future = datetime.fromisoformat(FUTURE)
        store.record_observations([], {CRM: future, MA: future})
    finally:
        store.close()


def _fresh_changes_missed(w: World) -> int:
    """Leads created after the sync, at inquiry, whose HubSpot contact is a qualified MQL: the next sync (as of now)
    must correct every one."""
    now = datetime.now(UTC)
    emails = [f"fresh-{n}@future-as-of.example.com" for n in range(FRESH)]
    w.handle.salesforce.load_leads({"Email": e, "Status": "Open - Not Contacted", "LastName": "Fresh", "Company": "X"}
                                   for e in emails)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    w.handle.hubspot.load_contacts({"id": str(9_800_000 + n), "email": e, "lifecyclestage": "marketingqualifiedlead",
                                    "hubspotscore": "90", "createdate": stamp, "lastmodifieddate": stamp}
                                   for n, e in enumerate(emails))
    if w.cli(["sync", "--allow-mass-change"]).returncode != 0:
        return FRESH
    statuses = {str(lead.get("Email")): lead.get("Status") for lead in w.handle.salesforce.records("Lead")}
    return sum(1 for e in emails if statuses.get(e) != "Marketing Qualified")
