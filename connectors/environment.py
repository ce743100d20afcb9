"""The configuration, read where a process starts (a `leadsync` command, a Prefect flow): the LEADSYNC_* variables
into settings objects, the credentials overridden by the Prefect Secret block they may name.

Only entry points call these; everything below them gets the settings passed in (DESIGN §3).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from connectors.definition_files import DEFAULT_DIRECTORY
from connectors.settings import HubSpotSettings, RunSettings, SalesforceSettings, Settings, build


def load_settings(run: RunSettings | None = None) -> Settings:
    """Every setting from the environment (LEADSYNC_*), the credentials overridden by the Secret block that
    LEADSYNC_SECRETS_BLOCK names. For entry points only: call it once and pass the result down."""
    run = run or build(RunSettings)
    secrets = secret_block_values(run.secrets_block)
    return Settings(run, build(SalesforceSettings, **secrets["salesforce"]), build(HubSpotSettings, **secrets["hubspot"]))


def definitions_directory(explicit: Path | None = None) -> Path:
    """The directory to use: the one given, else $LEADSYNC_DEFINITIONS, else ./definitions (for commands that
    need only the definition)."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get("LEADSYNC_DEFINITIONS")
    return Path(from_env) if from_env else DEFAULT_DIRECTORY


def secret_block_values(name: str | None) -> dict[str, dict[str, Any]]:
    """Credentials kept in the Prefect Secret block `name` (instead of the environment); none when `name` is unset.

    The block holds a JSON object of LEADSYNC_SALESFORCE_* / LEADSYNC_HUBSPOT_* names and values; they override
    the environment. Only the block's *name* is configuration; the values never become flow parameters.
    """
    split: dict[str, dict[str, Any]] = {"salesforce": {}, "hubspot": {}}
    if not name:
        return split
    from prefect.blocks.system import Secret

    block: Any = Secret.load(name)
    raw = block.get()
    values = json.loads(raw) if isinstance(raw, str) else dict(raw)
    for key, value in values.items():
        for system, fields in split.items():
            prefix = f"LEADSYNC_{system.upper()}_"
            if key.upper().startswith(prefix):
                fields[key[len(prefix):].lower()] = value
    return split
