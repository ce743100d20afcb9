"""Scenario 10: a revert sticks.

A sync applied its corrections, RevOps reverted the run, and the next scheduled sync — which pulls the reverted
records again, since the revert itself changed them — re-applied every one. Now a revert holds its records from
automatic correction until the definition changes or `leadsync release` lifts the hold. Through the real CLI: sync,
revert, sync twice more (no write to a held record; the held records the plan reads are reported as `reverted_hold`),
`leadsync release --run` (the next sync reads the released records again), then a sync. Zero lost: after it a plan
has no correction left. `differ_from_lone_sync` counts leads the revert put back into a side stage: its write dated a
new move into that stage, so by rule 4 they stay (a lone sync had moved them out).
"""

from __future__ import annotations

import json
import time
from typing import Any

from crashes import SYNC
from table import Row
from world import World, against_reference, differences


def run(full: bool) -> list[Row]:
    return [against_reference("leadsync-revert-", 1_500 if full else 300, _revert_sticks)]


def _revert_sticks(w: World, reference: dict[str, Any]) -> Row:
    started = time.monotonic()
    first = w.sync()
    corrected = {(c.system, c.record_id) for c in first.corrections}
    reverted = w.cli(["revert", first.run_id])
    before = w.journal()
    w.cli(SYNC)
    w.cli(SYNC)
    rewritten = sum((w.journal() - before).values())
    plan = json.loads(w.cli(["plan", "--json"]).stdout or "{}")
    held = {(s["system"], s["record_id"]) for s in plan.get("skipped", []) if s["reason"] == "reverted_hold"}
    released = w.cli(["release", "--run", first.run_id])
    again = w.cli(SYNC)
    left = json.loads(w.cli(["plan", "--json", "--as-of", SYNC[-1]]).stdout or "{}").get("corrections")
    figures = {"corrected": len(corrected), "rewritten_while_held": rewritten, "held_in_plan": len(held),
               "released": int(released.stdout.split()[1]) if released.returncode == 0 else 0,
               "lost": len(left) if left is not None else -1,
               "differ_from_lone_sync": differences(reference, w.final_state()),
               "s": round(time.monotonic() - started, 1)}
    problems = [f"{name} exited {done.returncode}: {done.stderr.strip()[-160:]}"
                for name, done in (("revert", reverted), ("release", released), ("sync", again)) if done.returncode]
    passed = not problems and corrected and rewritten == 0 and held and held <= corrected and figures["lost"] == 0
    # A lead the revert put back into a side stage stays there after the release: the revert's write re-dated the
    # move into the side stage (rule 4), so it differs from a lone sync's end state without anything being lost.
    return Row("10 revert sticks", bool(passed), figures, problems[0] if problems else "")
