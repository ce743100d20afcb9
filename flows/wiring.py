"""The one place that chooses implementations: vendor connectors, the SQL state store and the notifier, from
settings the entry point read once (`connectors.environment.load_settings`); nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.definition_files import load_definition
from connectors.notify import AppriseNotifier
from connectors.ports import CallGate, Notifier, RunState
from connectors.settings import RunSettings, Settings
from flows.runs.services import CRM, MA, Services, SystemPorts
from mapping.definition.compiled import CompiledDefinition, compile_definition


def load_compiled(directory: Path) -> CompiledDefinition:
    return compile_definition(load_definition(directory))


@contextmanager
def open_services(settings: Settings, definitions: str | Path | None = None,
                  call_gate: CallGate | None = None) -> Iterator[Services]:
    """Services wired from `settings`, over the definition in `definitions` (default: the settings' directory),
    closed when the block ends; `call_gate` paces HubSpot calls by limits shared with other processes."""
    compiled = load_compiled(Path(definitions) if definitions else settings.run.definitions)
    services = Services(compiled, _systems(compiled, settings, call_gate), _state(settings.run), settings.run)
    try:
        yield services
    finally:
        services.close()
        close_state = getattr(services.state, "close", None)
        if callable(close_state):
            close_state()


@contextmanager
def services_for(compiled: CompiledDefinition, settings: Settings, state: RunState) -> Iterator[Services]:
    """Live connectors for an already loaded definition over a given state store (which the caller closes)."""
    services = Services(compiled, _systems(compiled, settings), state, settings.run)
    try:
        yield services
    finally:
        services.close()


def notifier(settings: RunSettings) -> Notifier:
    """Where breach notifications go: the apprise URLs of the settings (none: nothing is sent)."""
    return AppriseNotifier(settings.notify_urls)


def _systems(compiled: CompiledDefinition, settings: Settings, gate: CallGate | None = None) -> dict[str, SystemPorts]:
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.salesforce.connector import SalesforceConnector

    share = settings.run.budget_share
    salesforce = SalesforceConnector(settings.salesforce, compiled, budget_share=share)
    hubspot = HubSpotConnector(settings.hubspot, compiled, budget_share=share, gate=gate)
    return {
        CRM: SystemPorts(salesforce.source, salesforce.writer, salesforce.picklist, salesforce.source,
                         salesforce.writer, salesforce.close, salesforce.owners, whole=salesforce.source,
                         whole_evidence=salesforce.source),
        MA: SystemPorts(hubspot.source, hubspot.writer, hubspot.picklist, None, None, hubspot.close, hubspot.owners,
                        whole=hubspot.source),
    }


def _state(settings: RunSettings) -> RunState:
    from connectors.store.sql_state import open_run_state

    return open_run_state(settings.database_url)
