"""Scenario 4: partial failures inside a batch.

- `UNABLE_TO_LOCK_ROW` on some records of a batch: retried, and they land.
- Permanent per-record errors — a restricted picklist refusing a value, a validation rule, a lead converted between
  our read and our write — are quarantined with the vendor's code and message, shown in the run's findings, and
  never block the rest of the batch.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from table import Row
from world import World, world

from flows.runs.sync import RunReport, write_failures
from sandbox.runtime import Fault, FaultKind

PERMANENT = {"FIELD_CUSTOM_VALIDATION_EXCEPTION", "CANNOT_UPDATE_CONVERTED_LEAD", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}


def run(full: bool) -> list[Row]:
    leads = 3_000 if full else 500
    with tempfile.TemporaryDirectory(prefix="leadsync-partial-") as tmp:
        return [_row_locks(Path(tmp) / "locks", leads), _permanent(Path(tmp) / "permanent", leads)]


def _before_apply(action: Callable[[list[Any]], None], corrections: list[Any]) -> Callable[[str, Callable[[], Any]], Any]:
    def hook(name: str, thunk: Callable[[], Any]) -> Any:
        if name == "apply-salesforce":
            action(corrections)
        return thunk()

    return hook


def _planned(w: World) -> list[Any]:
    return [c for c in w.plan().corrections if c.system == "salesforce"]


def _row_locks(tmp: Path, leads: int) -> Row:
    with world(tmp, leads) as w:
        planned = _planned(w)
        locked = frozenset(c.record_id for c in planned[:5])
        w.handle.salesforce.faults.add(Fault("sf.collections.update", FaultKind.ROW_LOCK, nth=1, record_ids=locked))
        report = w.sync()
        result = report.applied["salesforce"]
        held = {r: w.handle.salesforce.record(r)["Status"] for r in locked}  # type: ignore[index]
        wanted = {c.record_id: c.after for c in planned if c.record_id in locked}
        updates = w.handle.salesforce.calls.snapshot().get("sf.collections.update", 0)
    passed = held == wanted and not result.failed and report.status == "succeeded"
    return Row("4 row locks retried", passed, {"locked": len(locked), "landed": sum(held[r] == wanted[r] for r in held),
                                                "failed": len(result.failed), "update_calls": updates})


def _permanent(tmp: Path, leads: int) -> Row:
    with world(tmp, leads) as w:
        planned = _planned(w)
        by_value = Counter(c.after for c in planned)
        refused_value = min((v for v in by_value if v), key=lambda v: (by_value[v], v))
        rest = [c for c in planned if c.after != refused_value]
        invalid, converted = {c.record_id for c in rest[:3]}, {c.record_id for c in rest[3:6]}
        sandbox = w.handle.salesforce

        def trouble(_: list[Any]) -> None:
            sandbox.faults.add(Fault("sf.collections.update", FaultKind.PARTIAL_FAILURE, probability=1.0, times=None,
                                     record_ids=frozenset(invalid)))
            for record_id in converted:
                table, row = sandbox.org.find(record_id)  # type: ignore[misc]
                table.set(row, "IsConverted", True)
            sandbox.set_lead_statuses([s.full_name for s in sandbox.lead_statuses() if s.full_name != refused_value])
            sandbox.switches.restricted_picklist = True

        report = w.sync(batch_hook=_before_apply(trouble, planned))
        with w.services() as services:
            findings = services.state.latest_findings()
    return _judge(report, planned, invalid, converted, refused_value, findings)


def _judge(report: RunReport, planned: list[Any], invalid: set[str], converted: set[str], refused_value: str,
           findings: dict[str, Any]) -> Row:
    result = report.applied["salesforce"]
    codes = {c.record_id: o.code for c, o in result.failed}
    expected = {r: "FIELD_CUSTOM_VALIDATION_EXCEPTION" for r in invalid}
    expected |= {r: "CANNOT_UPDATE_CONVERTED_LEAD" for r in converted}
    expected |= {c.record_id: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" for c in planned if c.after == refused_value}
    reported = {(f["record_id"], f["code"]) for f in findings.get("write_failures", []) if f.get("message")}
    applied_rest = result.applied == len(planned) - len(expected)
    passed = (codes == expected and applied_rest and set(expected.items()) <= reported
              and all(o.message for _, o in result.failed) and len(write_failures(report)) == len(expected))
    figures = {"planned": len(planned), "refused": len(codes), "by_code": dict(Counter(codes.values())),
               "applied_rest": result.applied, "reported_with_message": len(reported)}
    return Row("4 permanent per-record errors", passed, figures)
