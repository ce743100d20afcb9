"""Pipelines and stages (§5): deals `default`, leads `lead-pipeline-id`, the contact lifecycle pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .properties import PropertyRegistry
from .timestamps import iso_from_ms
from .wire import ApiError, Json, error_body, not_found, validation_error

LIFECYCLE_PIPELINE = "contacts-lifecycle-pipeline"
TYPE_ALIASES = {
    "0-1": "contacts",
    "contact": "contacts",
    "0-3": "deals",
    "deal": "deals",
    "0-136": "leads",
    "lead": "leads",
    "0-5": "tickets",
    "ticket": "tickets",
}
DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"),
    ("closedwon", "Closed Won", "1.0"),
    ("closedlost", "Closed Lost", "0.0"),
)
LEAD_STAGES = (
    ("new-stage-id", "New"),
    ("attempting-stage-id", "Attempting"),
    ("connected-stage-id", "Connected"),
    ("qualified-stage-id", "Qualified"),
    ("unqualified-stage-id", "Disqualified"),
)


@dataclass
class Stage:
    id: str
    label: str
    display_order: int
    metadata: dict[str, str] = field(default_factory=dict)
    updated_ms: int = 0
    archived: bool = False

    def render(self) -> Json:
        stamp = iso_from_ms(self.updated_ms)
        return {
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": self.metadata,
            "createdAt": iso_from_ms(0),
            "updatedAt": stamp,
            "archived": self.archived,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }


@dataclass
class Pipeline:
    id: str
    label: str
    stages: list[Stage]
    display_order: int = 0

    def render(self) -> Json:
        live = [stage.render() for stage in self.stages if not stage.archived]
        updated = max((stage.updated_ms for stage in self.stages), default=0)
        return {
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "stages": live,
            "createdAt": iso_from_ms(0),
            "updatedAt": iso_from_ms(updated),
            "archived": False,
        }


class PipelineBook:
    """The portal's pipelines; the lifecycle pipeline is a view of the `lifecyclestage` options."""

    def __init__(self, registry: PropertyRegistry) -> None:
        self._registry = registry
        self._next_id = 1213103916
        deals = [
            Stage(i, label, n, {"isClosed": str(i.startswith("closed")).lower(), "probability": p})
            for n, (i, label, p) in enumerate(DEAL_STAGES)
        ]
        leads = [Stage(i, label, n) for n, (i, label) in enumerate(LEAD_STAGES)]
        self._books: dict[str, dict[str, Pipeline]] = {
            "deals": {"default": Pipeline("default", "Sales Pipeline", deals)},
            "leads": {"lead-pipeline-id": Pipeline("lead-pipeline-id", "Lead pipeline", leads)},
            "tickets": {},
        }

    def pipelines(self, object_type: str) -> list[Pipeline]:
        kind = _kind(object_type)
        if kind == "contacts":
            return [self._lifecycle()]
        return list(self._books[kind].values())

    def pipeline(self, object_type: str, pipeline_id: str) -> Pipeline:
        found = next((p for p in self.pipelines(object_type) if p.id == pipeline_id), None)
        if found is None:
            raise not_found(pipeline_id, f"Unable to find pipeline {pipeline_id}")
        return found

    def stage(self, object_type: str, pipeline_id: str, stage_id: str) -> Stage:
        pipeline = self.pipeline(object_type, pipeline_id)
        found = next((s for s in pipeline.stages if s.id == stage_id and not s.archived), None)
        if found is None:
            raise not_found(stage_id, f"Unable to find stage {stage_id} in pipeline {pipeline_id}")
        return found

    def create_stage(self, object_type: str, pipeline_id: str, body: Any, now_ms: int) -> Stage:
        pipeline = self.pipeline(object_type, pipeline_id)
        label, order, metadata = _stage_fields(body, _kind(object_type))
        if any(s.label == label and not s.archived for s in pipeline.stages):
            raise validation_error(f"A stage with label {label} already exists in pipeline {pipeline_id}")
        stage = Stage(str(self._next_id), label, order, metadata, now_ms)
        self._next_id += 1
        if pipeline.id == LIFECYCLE_PIPELINE:
            self._add_lifecycle_option(stage, now_ms)
        else:
            pipeline.stages.append(stage)
        return stage

    def update_stage(
        self, object_type: str, pipeline_id: str, stage_id: str, body: Any, now_ms: int
    ) -> Stage:
        if _kind(object_type) == "contacts":
            raise ApiError(
                400,
                error_body("VALIDATION_ERROR", "Edit lifecycle stages through the lifecyclestage property"),
            )
        stage = self.stage(object_type, pipeline_id, stage_id)
        if not isinstance(body, dict):
            raise validation_error("The stage must be a JSON object")
        stage.label = str(body.get("label", stage.label))
        stage.display_order = int(body.get("displayOrder", stage.display_order))
        if "metadata" in body:
            stage.metadata = {k: _text(v) for k, v in (body["metadata"] or {}).items()}
        stage.archived = bool(body.get("archived", False))
        stage.updated_ms = now_ms
        return stage

    def _lifecycle(self) -> Pipeline:
        options = self._registry.options("lifecyclestage")
        stages = [Stage(o["value"], o["label"], o["displayOrder"], {}) for o in options]
        return Pipeline(LIFECYCLE_PIPELINE, "Lifecycle Stage Pipeline", stages)

    def _add_lifecycle_option(self, stage: Stage, now_ms: int) -> None:
        options = list(self._registry.options("lifecyclestage"))
        options.append(
            {"label": stage.label, "value": stage.id, "displayOrder": stage.display_order, "hidden": False}
        )
        options.sort(key=lambda option: option["displayOrder"])
        self._registry.set_options("lifecyclestage", options, now_ms)


def _kind(object_type: str) -> str:
    kind = TYPE_ALIASES.get(object_type, object_type)
    if kind not in ("contacts", "deals", "leads", "tickets"):
        raise validation_error(f"Unable to infer object type from: {object_type}")
    return kind


def _stage_fields(body: Any, kind: str) -> tuple[str, int, dict[str, str]]:
    if not isinstance(body, dict) or not body.get("label"):
        raise validation_error("A stage needs a label")
    metadata = {k: _text(v) for k, v in (body.get("metadata") or {}).items()}
    if kind == "deals" and "probability" not in metadata:
        raise validation_error("Deal stages need metadata.probability (0.0 to 1.0)")
    return str(body["label"]), int(body.get("displayOrder", 0)), metadata


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
