"""What the Prefect flows publish as artifacts: run summaries, corrections, stage values, impact, progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows.render.impact import impact_markdown
from flows.render.plan import TABLE_LIMIT, backfill_markdown, run_markdown
from flows.runs.backfill import BackfillReport
from flows.runs.provision import ProvisionReport
from flows.runs.sync import RunReport
from mapping.plan import Correction


def publish_run(report: RunReport, key: str) -> None:
    """A summary and a table of corrections as Prefect artifacts (capped; the state store has everything)."""
    create_markdown_artifact(run_markdown(report), key=f"{key}-summary", description=f"leadsync {report.kind}")
    _publish_corrections(report.tally.first_corrections, key)


def publish_backfill(report: BackfillReport) -> None:
    """One summary over every chunk of the backfill, and the first corrections of all chunks (not only the last)."""
    create_markdown_artifact(backfill_markdown(report), key="backfill-summary", description="leadsync backfill")
    _publish_corrections([c for run in report.reports for c in run.tally.first_corrections], "backfill")


def publish_stage_values(report: ProvisionReport) -> None:
    """The stage values to add (or added), one row each; nothing when none are missing."""
    rows = [{"system": d.system, "field": d.field, "value": v.value, "stage": v.stage, "description": v.description}
            for d in report.diffs for v in d.to_add]
    if rows:
        create_table_artifact(rows, key="provision-stages", description="stage values to add")


def publish_impact(summary: dict[str, Any], proposed: str) -> None:
    """The impact in Markdown, and a table of every affected lead (the Markdown lists the first few)."""
    create_markdown_artifact(impact_markdown(summary), key="leadsync-definition-impact",
                             description=f"what adopting {proposed} would change")
    if summary["affected_leads"]:
        create_table_artifact(summary["affected_leads"], key="leadsync-definition-impact-leads",
                              description=f"every lead adopting {proposed} would change")


def progress_of_chunks(logger: Any) -> Callable[[int, int, str], None]:
    """A progress artifact of a backfill's chunks, and the callback that advances it (and logs each chunk)."""
    progress: Any = create_progress_artifact(0.0, key="backfill-progress", description="chunks done")

    def advance(done: int, total: int, key: str) -> None:
        update_progress_artifact(progress, 100.0 * done / total)
        logger.info("chunk %s/%s done: %s", done, total, key)

    return advance


def _publish_corrections(corrections: Sequence[Correction], key: str) -> None:
    rows = [
        {"system": c.system, "record": c.record_id, "field": c.field, "before": c.before, "after": c.after,
         "rule": c.rule, "reason": c.reason}
        for c in corrections[:TABLE_LIMIT]
    ]
    if rows:
        create_table_artifact(rows, key=f"{key}-corrections", description="corrections (first rows)")
