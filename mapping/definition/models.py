"""Pydantic models of the universal lead definition (stages, criteria, SLAs, calendar, system mappings).

Pure data: `mapping.definition.parse.parse_definition` builds a `Definition` from YAML text and cross-checks it.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator

from mapping.definition.durations import parse_business_duration, parse_fraction, parse_hours_range
from mapping.fields import Operator

StageKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Owner(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"


class WorkEvidence(StrEnum):
    """What stops an SLA clock: logged work on the lead, or the lead advancing to a later stage."""

    ACTIVITY = "activity"
    STAGE_ADVANCE = "stage_advance"


class Condition(StrictModel):
    field: str
    op: Operator
    value: Any = None


class CriteriaGroup(StrictModel):
    """All conditions of `all` hold and, when `any` is given, at least one of `any` holds."""

    all: list[CriteriaNode] = Field(default_factory=list)
    any: list[CriteriaNode] = Field(default_factory=list)


def _node_kind(value: Any) -> str:
    if isinstance(value, dict) and ("all" in value or "any" in value):
        return "group"
    if isinstance(value, CriteriaGroup):
        return "group"
    return "condition"


CriteriaNode = Annotated[
    Annotated[Condition, Tag("condition")] | Annotated[CriteriaGroup, Tag("group")],
    Discriminator(_node_kind),
]
CriteriaGroup.model_rebuild()


BusinessDuration = Annotated[timedelta, BeforeValidator(parse_business_duration)]
Fraction = Annotated[float, BeforeValidator(parse_fraction)]


class SlaSpec(StrictModel):
    budget: BusinessDuration
    warn_at: Fraction = 0.75
    worked_by: list[WorkEvidence] = Field(min_length=1)
    notify: Literal["owner", "none"] = "owner"


class Stage(StrictModel):
    key: StageKey
    label: Text
    definition: Text
    owner: Owner
    rank: Annotated[int, Field(ge=1, le=1000)] | None = None
    side: bool = False
    criteria: CriteriaGroup | None = None
    sla: SlaSpec | None = None
    reenter_at: str | None = None
    allowed_from: list[str] = Field(default_factory=list, alias="from")


class Lifecycle(StrictModel):
    name: Text
    version: Annotated[int, Field(ge=1)] | Annotated[str, Field(min_length=1, max_length=40)]
    converted_stage: str
    stages: list[Stage] = Field(min_length=1)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HoursRange = Annotated[tuple[time, time], BeforeValidator(parse_hours_range)]


class Holidays(StrictModel):
    country: str | None = None
    subdivision: str | None = None
    dates: list[date] = Field(default_factory=list)


class Calendar(StrictModel):
    timezone: str
    working_hours: dict[Weekday, list[HoursRange]]
    holidays: Holidays = Holidays()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as America/New_York") from None
        return value


class StageField(StrictModel):
    field: Text
    read: dict[str, StageKey | None]

    @field_validator("read", mode="before")
    @classmethod
    def _numeric_values_as_text(cls, value: Any) -> Any:
        # HubSpot custom stage ids are numbers (e.g. 1234567); YAML reads an unquoted one as an int.
        if isinstance(value, dict):
            return {str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v for k, v in value.items()}
        return value


WriteValue = str | dict[str, str] | None


class LockSpec(StrictModel):
    field: Text
    values: list[str | bool | int] = Field(min_length=1)


class Annotations(StrictModel):
    """Fields leadsync fills alongside a stage correction so CRM users see why, and until when, without leaving it."""

    reason: Text | None = None  # a text field: the correction's short human reason
    sla_due: Text | None = None  # a datetime field: when the SLA of the lead's new stage runs out (cleared if none)

    def by_role(self) -> dict[str, str]:
        """Role (`reason`, `sla_due`) -> field name, for the roles configured."""
        return {role: name for role, name in (("reason", self.reason), ("sla_due", self.sla_due)) if name}


class SystemMapping(StrictModel):
    system: Literal["salesforce", "hubspot"]
    object: Text
    two_way: bool | None = None  # None: the CRM (salesforce) is written, the MA system (hubspot) is not
    stage_fields: list[StageField] = Field(min_length=1)
    write: dict[str, WriteValue]
    fields: dict[str, Text]
    lock: LockSpec | None = None
    annotations: Annotations | None = None

    @property
    def writes_enabled(self) -> bool:
        return self.two_way if self.two_way is not None else self.system == "salesforce"

    def write_values(self, stage: str) -> dict[str, str] | None:
        """The raw field values leadsync writes for `stage`, or None when the stage is never written here."""
        value = self.write.get(stage)
        if value is None:
            return None
        if isinstance(value, str):
            return {self.stage_fields[0].field: value}
        return dict(value)


SYSTEMS: tuple[str, ...] = ("salesforce", "hubspot")


class Definition(StrictModel):
    """A validated universal lead definition."""

    lifecycle: Lifecycle
    calendar: Calendar
    systems: dict[str, SystemMapping]
    fingerprint: str

    @property
    def version(self) -> str:
        return f"{self.lifecycle.version}+{self.fingerprint[:8]}"

    @property
    def stages(self) -> list[Stage]:
        return list(self.lifecycle.stages)

    @property
    def ladder(self) -> list[Stage]:
        """The funnel stages in rank order (side stages excluded)."""
        return sorted((s for s in self.lifecycle.stages if not s.side), key=lambda s: s.rank or 0)

    def stage(self, key: str) -> Stage:
        for stage in self.lifecycle.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)
