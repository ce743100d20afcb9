"""Run results as JSON for machines (`leadsync plan --json`) and as Markdown tables for artifacts and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flows.runs.backfill import BackfillReport
from flows.runs.sync import RunReport
from mapping.stage_diff import StageDiff

TABLE_LIMIT = 50  # rows shown in a Markdown table; the JSON has everything


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def plan_document(report: RunReport, stages: Sequence[StageDiff] = ()) -> dict[str, Any]:
    """The plan as one JSON object: the guards' verdict, every lead's decision (when kept), corrections, sla, stages,
    violations, unmapped, duplicates.

    An SLA entry's `owner_name` stands beside its `owner_id`: null when the owner is unknown or the run did not
    look names up (`flows.runs.owner_names.name_report_owners`).
    """
    return {
        "run_id": report.run_id,
        "as_of": iso(report.as_of),
        "status": report.status,
        "would_block": report.would_block or None,
        "counts": report.counts(),
        "decisions": None if report.decisions is None else [
            {"system": d.system, "record_id": d.record_id,
             "partner": {"system": d.partner[0], "record_id": d.partner[1]} if d.partner else None,
             "stage": d.stage, "rule": d.rule, "sources": list(d.sources)}
            for d in report.decisions
        ],
        "corrections": [
            {"system": c.system, "record_id": c.record_id, "field": c.field, "before": c.before, "after": c.after,
             "stage_before": c.stage_before, "stage_after": c.stage_after, "rule": c.rule, "reason": c.reason,
             "step": c.step, "definition_version": c.definition_version,
             "also_writes": {name: value for name, value in c.extras}}
            for c in report.corrections
        ],
        "skipped": [{"system": s.system, "record_id": s.record_id, "stage_before": s.stage_before,
                     "stage_after": s.stage_after, "reason": s.reason.value} for s in report.skipped],
        "sla": [
            {"system": e.system, "record_id": e.record_id, "stage": e.stage, "state": e.state.value,
             "started_at": iso(e.started_at), "started_estimated": e.started_estimated, "worked_at": iso(e.worked_at),
             "due_at": iso(e.due_at), "breached_at": iso(e.breached_at), "owner_id": e.owner_id,
             "owner_name": report.owner_names.get(e.owner_id) if e.owner_id else None}
            for e in report.sla
        ],
        "stages": [
            {"system": d.system, "field": d.field, "value": v.value, "label": v.label, "stage": v.stage,
             "description": v.description}
            for d in stages for v in d.to_add
        ],
        "violations": [v.as_dict() for v in report.violations],
        "unmapped": [u.as_dict() for u in report.unmapped],
        "quarantined": [q.as_dict() for q in report.quarantined],
        "duplicates": [d.as_dict() for d in report.duplicates],
    }


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], limit: int = TABLE_LIMIT,
                   total: int | None = None) -> str:
    """The first `limit` rows; `total` counts the rows when `rows` are only the first of them."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    shown = 0
    seen = 0
    for row in rows:
        seen += 1
        if shown < limit:
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
            shown += 1
    more = max(seen, total or 0) - shown
    if more > 0:
        lines.append(f"\n… and {more} more (see the JSON plan).")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = "—" if value is None else (iso(value) if isinstance(value, datetime) else str(value))
    return (text or "").replace("|", "\\|").replace("\n", " ")


def corrections_by_rule(report: RunReport) -> Counter[str]:
    return report.tally.by_rule


def sla_by_state(report: RunReport) -> Counter[str]:
    return report.tally.sla_states


def run_markdown(report: RunReport) -> str:
    """The run summary artifact: counts, corrections by rule, SLA states, then the first rows of each table."""
    counts = report.counts()
    parts = [f"# leadsync {report.kind} {report.run_id[:8]} — {report.status}", "",
             markdown_table(["measure", "value"], sorted(counts.items())), "",
             "## Corrections by rule", "", markdown_table(["rule", "writes"], corrections_by_rule(report).most_common()), "",
             "## SLA states", "", markdown_table(["state", "leads"], sla_by_state(report).most_common()), "",
             "## Corrections", "",
             markdown_table(["system", "record", "field", "before", "after", "rule"],
                            ((c.system, c.record_id, c.field, c.before, c.after, c.rule) for c in report.tally.first_corrections),
                            total=report.tally.corrections),
             "", "## Violations", "",
             markdown_table(["system", "record", "stage", "failing"],
                            ((v.system, v.record_id, v.stage, "; ".join(v.failing)) for v in report.violations),
                            total=report.tally.violations)]
    if report.message:
        parts[1:1] = ["", f"**{report.message}**"]
    if report.would_block:
        parts[1:1] = ["", f"**The real run would be blocked** — {report.would_block}"]
    return "\n".join(parts) + "\n"


def backfill_markdown(report: BackfillReport) -> str:
    """The backfill summary artifact: every chunk of this run with its counts, then the corrections of all chunks."""
    measures = ("records_seen", "corrections", "applied", "stale", "failed", "violations", "quarantined_values")
    chunk_rows = [(key, run.status, *(run.counts()[m] for m in measures))
                  for key, run in zip(report.chunks, report.reports, strict=True)]
    corrections = ((c.system, c.record_id, c.field, c.before, c.after, c.rule)
                   for run in report.reports for c in run.tally.first_corrections)
    totals: Counter[str] = Counter()
    for run in report.reports:
        totals.update(run.counts())
    parts = [f"# leadsync backfill — {report.status}", "",
             f"{len(report.chunks)} chunks run, {len(report.skipped_chunks)} skipped (done by an earlier run).", "",
             markdown_table(["measure", "value"], sorted(totals.items())), "",
             "## Chunks", "", markdown_table(["chunk", "status", *measures], chunk_rows), "",
             "## Corrections", "", markdown_table(["system", "record", "field", "before", "after", "rule"], corrections,
                                                   total=report.corrections)]
    return "\n".join(parts) + "\n"
