"""Provision pipeline stages: add the stage values the definition writes that a system's picklist lacks."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.ports import WriteOutcome
from flows.services import CRM, Services
from mapping.stage_diff import StageDiff, diff_stages


@dataclass
class ProvisionReport:
    diffs: list[StageDiff] = field(default_factory=list)
    outcomes: list[WriteOutcome] = field(default_factory=list)
    dry_run: bool = True

    @property
    def to_add(self) -> int:
        return sum(len(d.to_add) for d in self.diffs)


def stage_fields_written(services: Services, system: str) -> list[str]:
    mapping = services.compiled.systems[system].mapping
    written = {name for stage in services.compiled.definition.stages for name in (mapping.write_values(stage.key) or {})}
    return [f.field for f in mapping.stage_fields if f.field in written]


def plan_stages(services: Services) -> list[StageDiff]:
    """The diff for every stage field leadsync writes (the CRM always; HubSpot when two-way)."""
    diffs = []
    for system, view in services.compiled.systems.items():
        if system != CRM and not view.mapping.writes_enabled:
            continue
        picklist = services.systems[system].picklist
        for field_name in stage_fields_written(services, system):
            diffs.append(diff_stages(services.compiled, system, field_name, picklist.read_picklist(field_name)))
    return diffs


def run_provision(services: Services, *, dry_run: bool = True) -> ProvisionReport:
    report = ProvisionReport(plan_stages(services), dry_run=dry_run)
    if dry_run:
        return report
    for diff in report.diffs:
        if not diff.empty:
            report.outcomes.append(services.systems[diff.system].picklist.add_picklist_values(diff))
    return report
