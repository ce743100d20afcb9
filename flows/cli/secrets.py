"""`leadsync secrets push`: the credentials of this shell into a Prefect Secret block, for workers to load.

Workers then need only `LEADSYNC_SECRETS_BLOCK` (the block's name) in their environment, not the credentials.
"""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from pydantic import SecretStr

from flows.cli.options import EXIT_USAGE

PREFIXES = ("LEADSYNC_SALESFORCE_", "LEADSYNC_HUBSPOT_")

secrets_app = typer.Typer(help="Keep the Salesforce and HubSpot credentials in a Prefect Secret block.",
                          no_args_is_help=True)


@secrets_app.command("push")
def push(
    block: Annotated[str, typer.Argument(help="Name of the Secret block (set LEADSYNC_SECRETS_BLOCK to it on workers).")]
    = "leadsync-credentials",
) -> None:
    """Save every LEADSYNC_SALESFORCE_* / LEADSYNC_HUBSPOT_* variable of this shell to the block (replacing it).

    Needs PREFECT_API_URL (or a Prefect Cloud login). Prints the variables' names, never their values.
    """
    values = {name: value for name, value in os.environ.items() if name.startswith(PREFIXES) and value}
    if not values:
        typer.echo("no LEADSYNC_SALESFORCE_* or LEADSYNC_HUBSPOT_* variable is set in this shell", err=True)
        raise typer.Exit(EXIT_USAGE)
    from prefect.blocks.system import Secret

    Secret(value=SecretStr(json.dumps(values, sort_keys=True))).save(block, overwrite=True)
    typer.echo(f"saved {len(values)} values to the Secret block {block!r}: {', '.join(sorted(values))}")
