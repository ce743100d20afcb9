"""What a run works with: the compiled definition, each system's ports, the state store and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.ports import EvidenceSource, LeadSource, PicklistAdmin, SlaFlagWriter, StageWriter
from connectors.settings import RunSettings
from mapping.compiled import CompiledDefinition
from mapping.sla import SlaEvaluator

CRM = "salesforce"
MA = "hubspot"


@dataclass
class SystemPorts:
    """One system's connector, seen through the ports (a vendor connector or an in-memory system)."""

    source: LeadSource
    writer: StageWriter
    picklist: PicklistAdmin
    evidence: EvidenceSource | None = None
    flags: SlaFlagWriter | None = None
    close: Any = None  # optional callable releasing connections


@dataclass
class Services:
    compiled: CompiledDefinition
    systems: dict[str, SystemPorts]
    state: Any  # connectors.state.StateStore (typed loosely to keep flows free of a concrete store)
    settings: RunSettings
    sla: SlaEvaluator = field(init=False)

    def __post_init__(self) -> None:
        self.sla = SlaEvaluator(self.compiled)

    def close(self) -> None:
        for ports in self.systems.values():
            if callable(ports.close):
                ports.close()
