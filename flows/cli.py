"""The `leadsync` command line: the same operations as the flows, for people at a terminal.

Exit codes: 0 ok, 1 failure (e.g. an invalid definition), 2 bad usage, 3 blocked by a guard.
Heavy imports (Prefect, vendor clients) happen inside commands, so `leadsync definitions check` stays fast.
"""

from __future__ import annotations

import typer

from flows.cli_definitions import definitions_app
from flows.cli_demo import demo_command

app = typer.Typer(
    name="leadsync",
    help="Enforce a universal lead definition across Salesforce and HubSpot.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(definitions_app, name="definitions")
app.command("demo")(demo_command)


def main() -> None:
    app()
