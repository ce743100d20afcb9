"""Which shared stage a system's raw stage fields say a record is in.

Several fields may carry a stage (HubSpot: lifecycle stage and lead status). A side stage from any field wins
(an explicit sales decision), otherwise the highest ladder rank wins. A raw value mapped to null is known but
says nothing; a raw value missing from the read map is *unmapped* and reported, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mapping.definition.models import SystemMapping


@dataclass(frozen=True)
class StageReading:
    stage: str | None
    unmapped: tuple[tuple[str, str], ...] = ()  # (raw field, raw value) pairs not in the read map


def read_stage(
    mapping: SystemMapping, ranks: Mapping[str, int | None], values: Mapping[str, object]
) -> StageReading:
    """Read the stage from `values` (raw field -> raw value); `ranks` gives None for side stages."""
    side: str | None = None
    best: str | None = None
    unmapped: list[tuple[str, str]] = []
    for stage_field in mapping.stage_fields:
        raw = values.get(stage_field.field)
        if raw is None or raw == "":
            continue
        text = str(raw)
        if text not in stage_field.read:
            unmapped.append((stage_field.field, text))
            continue
        stage = stage_field.read[text]
        if stage is None or stage not in ranks:
            continue
        rank = ranks[stage]
        if rank is None:
            side = side or stage
        elif best is None or rank > (ranks[best] or 0):
            best = stage
    return StageReading(side or best, tuple(unmapped))
