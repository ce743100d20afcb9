"""`HubSpotConnector`: the ports (source, writer, picklist, owners) over one rate-limited client."""

from __future__ import annotations

from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.owners import HubSpotOwnerDirectory
from connectors.hubspot.picklist import HubSpotPicklistAdmin
from connectors.hubspot.source import HubSpotContactSource
from connectors.hubspot.writer import HubSpotStageWriter
from connectors.ports import CallGate
from connectors.resilience import ApiBudget
from connectors.settings import HubSpotSettings
from mapping.definition.compiled import CompiledDefinition


class HubSpotConnector:
    def __init__(self, settings: HubSpotSettings, compiled: CompiledDefinition, budget_share: float = 0.2,
                 gate: CallGate | None = None) -> None:
        self.budget = ApiBudget("hubspot", budget_share)
        self.api = HubSpotApi(settings, self.budget, gate)
        self.source = HubSpotContactSource(self.api, compiled)
        self.writer = HubSpotStageWriter(self.api, self.source)
        self.picklist = HubSpotPicklistAdmin(self.api)
        self.owners = HubSpotOwnerDirectory(self.api)

    def close(self) -> None:
        self.api.close()
