"""Provision pipeline stages: add the stage values the definition writes that a system's picklist lacks.

Also lists the annotation fields (reason, SLA due) each system must have; creating fields is left to an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.ports import WriteOutcome
from flows.runs.services import CRM, Services
from mapping.stage_diff import StageDiff, diff_stages

# What to create for each annotation role, in each system's own terms.
ANNOTATION_TYPES = {
    ("salesforce", "reason"): "Text (255)",
    ("salesforce", "sla_due"): "Date/Time",
    ("hubspot", "reason"): "string (single-line text)",
    ("hubspot", "sla_due"): "datetime (date picker with time)",
}


@dataclass(frozen=True)
class AnnotationField:
    """A field leadsync writes next to the stage for CRM users; an admin creates it (leadsync skips it if absent)."""

    system: str
    role: str  # reason | sla_due
    field: str
    kind: str  # the type to create it with
    present: bool | None  # None: the system cannot say (no describe)


@dataclass
class ProvisionReport:
    diffs: list[StageDiff] = field(default_factory=list)
    outcomes: list[WriteOutcome] = field(default_factory=list)
    dry_run: bool = True
    annotations: list[AnnotationField] = field(default_factory=list)

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


def plan_annotations(services: Services) -> list[AnnotationField]:
    """The annotation fields of every system leadsync writes, and whether the org or portal has them (writable)."""
    found: list[AnnotationField] = []
    for system, view in services.compiled.systems.items():
        annotations = view.mapping.annotations
        if annotations is None or (system != CRM and not view.mapping.writes_enabled):
            continue
        describe = getattr(services.systems[system].source, "describe_fields", None)
        described = describe() if callable(describe) else None
        for role, name in annotations.by_role().items():
            present = None if described is None else bool(described.get(name, {}).get("updateable"))
            found.append(AnnotationField(system, role, name, ANNOTATION_TYPES.get((system, role), ""), present))
    return found


def run_provision(services: Services, *, dry_run: bool = True) -> ProvisionReport:
    report = ProvisionReport(plan_stages(services), dry_run=dry_run, annotations=plan_annotations(services))
    if dry_run:
        return report
    for diff in report.diffs:
        if not diff.empty:
            report.outcomes.append(services.systems[diff.system].picklist.add_picklist_values(diff))
    return report
