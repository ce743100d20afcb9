"""The `report` deployment (weekly): the close-the-loop report as Markdown/HTML files and a Prefect artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from pydantic import Field

from connectors.environment import load_settings
from flows.deployments.runtime import run_instant
from flows.render.report import render_report_html, render_report_markdown
from flows.runs.report import gather
from flows.wiring import open_services


@flow(name="report", timeout_seconds=900, validate_parameters=True)
def report(
    days: Annotated[int, Field(ge=1, le=366)] = 7,
    out_dir: str = ".leadsync/report",
    definitions: str | None = None,
) -> dict[str, str]:
    """The close-the-loop report for the Sales and Marketing review (files and a Prefect artifact).

    Args:
        days: How many days back the report covers (1-366).
        out_dir: Where report.md and report.html are written on the worker (relative to its working directory).
        definitions: Definition directory on the worker (default: LEADSYNC_DEFINITIONS).
    """
    with open_services(load_settings(), definitions) as services:
        data = gather(services, as_of=run_instant(), days=days)
        markdown = render_report_markdown(services, data)
        page = render_report_html(services, data)
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    (target / "report.md").write_text(markdown, encoding="utf-8")
    (target / "report.html").write_text(page, encoding="utf-8")
    create_markdown_artifact(markdown, key="leadsync-report", description=f"lead definition review, {days} days")
    return {"markdown": str(target / "report.md"), "html": str(target / "report.html")}
