"""The canonical lead and what normalization finds wrong with raw records. Plain slotted dataclasses (hot path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ProblemKind(StrEnum):
    MISSING_EMAIL = "missing_email"
    INVALID_EMAIL = "invalid_email"
    UNPARSEABLE_NUMBER = "unparseable_number"
    UNPARSEABLE_DATETIME = "unparseable_datetime"
    UNPARSEABLE_BOOLEAN = "unparseable_boolean"
    OVERSIZED_VALUE = "oversized_value"
    UNMAPPED_STAGE = "unmapped_stage"
    NO_STAGE = "no_stage"


@dataclass(frozen=True, slots=True)
class Problem:
    """A typed finding about one raw value; `raw` is a short, safe excerpt of the value."""

    kind: ProblemKind
    field: str
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class StageEvent:
    """The record entered `stage` (None: a value that maps to no stage) at `at`, per `source`."""

    stage: str | None
    at: datetime
    source: str  # e.g. "LeadHistory", "hs_v2_date_entered", "propertiesWithHistory"


@dataclass(slots=True)
class CanonicalLead:
    """One system's record of a lead, in the shared vocabulary."""

    system: str
    record_id: str
    email: str | None
    stage: str | None
    stage_values: dict[str, str | None]  # raw stage field -> raw value, as read
    fields: dict[str, Any]  # canonical field -> typed value (None when empty or garbage)
    stage_entered_at: datetime | None = None
    history: tuple[StageEvent, ...] = ()
    work: tuple[datetime, ...] = ()  # instants of logged work (activities) on the record
    converted: bool = False
    locked: bool = False
    problems: tuple[Problem, ...] = ()
    date_only: frozenset[str] = field(default_factory=frozenset)  # canonical fields known only to the day
    created_at: datetime | None = None  # when the record was created (CreatedDate / createdate), mapped or not
    key: tuple[str, str] = field(init=False, compare=False)  # (system, record_id): read millions of times a run

    def __post_init__(self) -> None:
        self.key = (self.system, self.record_id)

    @property
    def email_valid(self) -> bool:
        return bool(self.fields.get("email_valid"))
