"""What a run works with: the compiled definition, each system's ports, the state store and the settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.ports import (
    EvidenceSource,
    LeadSource,
    OwnerDirectory,
    PicklistAdmin,
    RunState,
    SlaFlagWriter,
    StageWriter,
    WholeEvidence,
    WholeSource,
)
from connectors.settings import RunSettings
from mapping.definition.compiled import CompiledDefinition
from mapping.sla import SlaEvaluator

CRM = "salesforce"
MA = "hubspot"
SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


def wall_clock() -> datetime:
    """Now, in UTC: what watermarks and applying runs are held to (a run's as-of may differ in a dry run)."""
    return datetime.now(UTC)


def system_of_id(identifier: str) -> str | None:
    """Which system an id comes from, by its shape: HubSpot ids are numbers, Salesforce ids 15 or 18 letters and
    digits (the 18-character form the APIs answer is never all digits); None for neither."""
    if identifier.isdigit():
        return MA
    if SALESFORCE_ID.match(identifier):
        return CRM
    return None


@dataclass
class SystemPorts:
    """One system's connector, seen through the ports (a vendor connector or an in-memory system)."""

    source: LeadSource
    writer: StageWriter
    picklist: PicklistAdmin
    evidence: EvidenceSource | None = None
    flags: SlaFlagWriter | None = None
    close: Callable[[], None] | None = None  # releases the connector's connections
    owners: OwnerDirectory | None = None  # None: the system's owners are shown by id
    whole: WholeSource | None = None  # None: full runs look partners up page by page (no join path)
    whole_evidence: WholeEvidence | None = None  # None: a full run reads evidence by ids


@dataclass
class Services:
    compiled: CompiledDefinition
    systems: dict[str, SystemPorts]
    state: RunState  # every role; a run function that needs fewer takes just those (see connectors.ports)
    settings: RunSettings
    sla: SlaEvaluator = field(init=False)
    clock: Callable[[], datetime] = wall_clock  # tests pass a fixed one

    def __post_init__(self) -> None:
        self.sla = SlaEvaluator(self.compiled)

    def close(self) -> None:
        for ports in self.systems.values():
            if ports.close is not None:
                ports.close()
