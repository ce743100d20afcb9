"""`leadsync report`: the close-the-loop report as report.md and report.html."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap
from flows.cli.options import DefinitionsOption, guarded


def report_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for report.md and report.html.")] = Path(".leadsync/report"),
    days: Annotated[int, typer.Option(min=1, max=366)] = 7,
    definitions: DefinitionsOption = None,
) -> None:
    """Write the close-the-loop report (corrections, violations, unmapped, duplicates, SLA compliance, dwell)."""
    from flows.render.report import render_report_html, render_report_markdown
    from flows.runs.report import gather

    def action() -> tuple[str, str]:
        with bootstrap(definitions) as services:
            data = gather(services, as_of=datetime.now(UTC), days=days)
            return render_report_markdown(services, data), render_report_html(services, data)

    markdown, page = guarded(action)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(page, encoding="utf-8")
    Console().print(f"wrote {out / 'report.md'} and {out / 'report.html'}", markup=False)
