"""`leadsync runs`: the most recent runs from the state store, as a table or JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli.bootstrap import open_state
from flows.cli.options import JsonOption, guarded


def runs_command(limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, as_json: JsonOption = False) -> None:
    """The most recent runs and their counts."""
    state = guarded(open_state)
    runs = state.list_runs(limit)
    if as_json:
        typer.echo(json.dumps(runs, default=str))
        return
    table = Table("run", "kind", "started", "status", "counts")
    for run in runs:
        table.add_row(run["id"], run["kind"], str(run["started_at"]), run["status"], json.dumps(run.get("counts") or {}))
    Console().print(table)
