"""The one place that chooses implementations: vendor connectors and the SQL state store, from settings.

Settings are read when a run is wired, never at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connectors.definition_files import load_definition
from connectors.settings import HubSpotSettings, RunSettings, SalesforceSettings, build
from flows.runs.services import CRM, MA, Services, SystemPorts
from mapping.definition.compiled import CompiledDefinition, compile_definition


def load_compiled(definitions: str | Path | None, settings: RunSettings) -> CompiledDefinition:
    return compile_definition(load_definition(Path(definitions) if definitions else settings.definitions))


@contextmanager
def open_services(definitions: str | Path | None = None) -> Iterator[Services]:
    """Services wired from the environment (LEADSYNC_*), closed when the block ends."""
    settings = build(RunSettings)
    compiled = load_compiled(definitions, settings)
    services = Services(compiled, _systems(compiled, settings), _state(settings), settings)
    try:
        yield services
    finally:
        services.close()
        close_state = getattr(services.state, "close", None)
        if callable(close_state):
            close_state()


@contextmanager
def services_for(compiled: CompiledDefinition, settings: RunSettings, state: Any) -> Iterator[Services]:
    """Live connectors for an already loaded definition over a given state store (which the caller closes)."""
    services = Services(compiled, _systems(compiled, settings), state, settings)
    try:
        yield services
    finally:
        services.close()


def secret_block_values() -> dict[str, dict[str, Any]]:
    """Credentials kept in a Prefect Secret block named by LEADSYNC_SECRETS_BLOCK (instead of the environment).

    The block holds a JSON object of LEADSYNC_SALESFORCE_* / LEADSYNC_HUBSPOT_* names and values; they override
    the environment. Only the block's *name* is configuration; the values never become flow parameters.
    """
    name = os.environ.get("LEADSYNC_SECRETS_BLOCK")
    if not name:
        return {"salesforce": {}, "hubspot": {}}
    from prefect.blocks.system import Secret

    raw = Secret.load(name).get()
    values = json.loads(raw) if isinstance(raw, str) else dict(raw)
    split: dict[str, dict[str, Any]] = {"salesforce": {}, "hubspot": {}}
    for key, value in values.items():
        for system in split:
            prefix = f"LEADSYNC_{system.upper()}_"
            if key.upper().startswith(prefix):
                split[system][key[len(prefix):].lower()] = value
    return split


def _systems(compiled: CompiledDefinition, settings: RunSettings) -> dict[str, SystemPorts]:
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.salesforce.connector import SalesforceConnector

    secrets = secret_block_values()
    salesforce = SalesforceConnector(build(SalesforceSettings, **secrets["salesforce"]), compiled,
                                     budget_share=settings.budget_share)
    hubspot = HubSpotConnector(build(HubSpotSettings, **secrets["hubspot"]), compiled, budget_share=settings.budget_share)
    return {
        CRM: SystemPorts(salesforce.source, salesforce.writer, salesforce.picklist, salesforce.source,
                         salesforce.writer, salesforce.close, salesforce.owners),
        MA: SystemPorts(hubspot.source, hubspot.writer, hubspot.picklist, None, None, hubspot.close, hubspot.owners),
    }


def _state(settings: RunSettings) -> object:
    from connectors.store.sql_state import open_run_state

    return open_run_state(settings.database_url)
