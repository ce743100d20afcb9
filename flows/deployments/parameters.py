"""Parameter types of the deployments, shaped for the schema the Prefect server checks a new run against."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field

System = Literal["salesforce", "hubspot"]

# The server checks a parameter schema's `pattern` but not its `format`: without this, `start="not-a-date"` is
# accepted when the run is created and fails only on the worker. Dates or ISO 8601 instants (years 1000-2999), as
# pydantic reads them. [0-9], not \d: Python's \d matches any Unicode digit; the lookahead refuses a newline,
# which `$` would let through at the end.
ISO_INSTANT = (r"^(?![^\n]*\n)[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
               r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$")
Instant = Annotated[datetime, Field(json_schema_extra={"pattern": ISO_INSTANT})]


def utc(value: datetime) -> datetime:
    """An instant parameter in UTC (a naive one is taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
