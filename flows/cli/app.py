"""The `leadsync` command line: the same operations as the flows, for people at a terminal.

Exit codes: 0 ok, 1 failure (e.g. an invalid definition), 2 bad usage, 3 blocked by a guard.
Heavy imports (Prefect, vendor clients) happen inside commands, so `leadsync definitions check` stays fast.
"""

from __future__ import annotations

import typer

from flows.cli import runs as cli_run
from flows.cli.definitions import definitions_app
from flows.cli.demo import demo_command
from flows.cli.explain import explain_command
from flows.cli.sandbox_serve import sandbox_app
from flows.cli.secrets import secrets_app

app = typer.Typer(
    name="leadsync",
    help="Enforce a universal lead definition across Salesforce and HubSpot.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(definitions_app, name="definitions")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(secrets_app, name="secrets")
app.command("demo")(demo_command)
app.command("sync")(cli_run.sync_command)
app.command("plan")(cli_run.plan_command)
app.command("backfill")(cli_run.backfill_command)
app.command("sla")(cli_run.sla_command)
app.command("stages")(cli_run.stages_command)
app.command("revert")(cli_run.revert_command)
app.command("release")(cli_run.release_command)
app.command("runs")(cli_run.runs_command)
app.command("report")(cli_run.report_command)
app.command("explain")(explain_command)


def main() -> None:
    app()
