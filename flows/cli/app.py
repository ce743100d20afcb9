"""The `leadsync` command line: the same operations as the flows, for people at a terminal.

Exit codes (flows.cli.options): 0 ok, 1 failure (e.g. an invalid definition), 2 bad usage, 3 blocked by a guard.
Heavy imports (Prefect, vendor clients) happen inside commands, so `leadsync definitions check` stays fast.
"""

from __future__ import annotations

import typer

from flows.cli.backfill import backfill_command
from flows.cli.definitions import definitions_app
from flows.cli.demo import demo_command
from flows.cli.explain import explain_command
from flows.cli.funnel import funnel_command
from flows.cli.report import report_command
from flows.cli.revert import release_command, revert_command
from flows.cli.runs_log import runs_command
from flows.cli.sandbox_serve import sandbox_app
from flows.cli.secrets import secrets_app
from flows.cli.sla import sla_command
from flows.cli.stages import stages_command
from flows.cli.sync import plan_command, sync_command

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
app.command("sync")(sync_command)
app.command("plan")(plan_command)
app.command("backfill")(backfill_command)
app.command("sla")(sla_command)
app.command("stages")(stages_command)
app.command("revert")(revert_command)
app.command("release")(release_command)
app.command("runs")(runs_command)
app.command("report")(report_command)
app.command("explain")(explain_command)
app.command("funnel")(funnel_command)


def main() -> None:
    app()
