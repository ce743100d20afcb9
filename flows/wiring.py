"""The one place that chooses implementations: vendor connectors and the SQL state store, from settings.

Settings are read when a run is wired, never at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.definition_files import load_definition
from connectors.settings import HubSpotSettings, RunSettings, SalesforceSettings, build
from flows.services import CRM, MA, Services, SystemPorts
from mapping.compiled import CompiledDefinition, compile_definition


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


def _systems(compiled: CompiledDefinition, settings: RunSettings) -> dict[str, SystemPorts]:
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.salesforce.connector import SalesforceConnector

    salesforce = SalesforceConnector(build(SalesforceSettings), compiled, budget_share=settings.budget_share)
    hubspot = HubSpotConnector(build(HubSpotSettings), compiled, budget_share=settings.budget_share)
    return {
        CRM: SystemPorts(salesforce.source, salesforce.writer, salesforce.picklist, salesforce.source,
                         salesforce.writer, salesforce.close),
        MA: SystemPorts(hubspot.source, hubspot.writer, hubspot.picklist, None, None, hubspot.close),
    }


def _state(settings: RunSettings) -> object:
    from flows.state_adapter import open_run_state

    return open_run_state(settings.database_url)
