"""`SalesforceConnector`: the ports (source, evidence, writer, picklist, SLA flags, owners) over one logged-in client."""

from __future__ import annotations

from connectors.resilience import ApiBudget
from connectors.salesforce.api import SalesforceApi
from connectors.salesforce.owners import SalesforceOwnerDirectory
from connectors.salesforce.picklist import SalesforcePicklistAdmin
from connectors.salesforce.source import SalesforceLeadSource
from connectors.salesforce.writer import SalesforceStageWriter
from connectors.settings import SalesforceSettings
from mapping.definition.compiled import CompiledDefinition


class SalesforceConnector:
    def __init__(self, settings: SalesforceSettings, compiled: CompiledDefinition, budget_share: float = 0.2) -> None:
        self.budget = ApiBudget("salesforce", budget_share)
        self.api = SalesforceApi(settings, self.budget)
        self.source = SalesforceLeadSource(self.api, compiled)
        self.writer = SalesforceStageWriter(self.api, self.source, settings.sla_flag_field)
        self.picklist = SalesforcePicklistAdmin(self.api)
        self.owners = SalesforceOwnerDirectory(self.source)

    def close(self) -> None:
        self.api.close()
