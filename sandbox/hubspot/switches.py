"""Realism switches of the HubSpot sandbox, set at start or while serving (`POST /__sandbox/switches`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .schema import SALESFORCE_PROPERTIES


@dataclass
class Switches:
    """Where real behaviour is uncertain (hubspot.md [U]) it is a switch; a `None` limit is not enforced."""

    lifecycle_backward: Literal["ignore", "reject"] = "ignore"  # §6.1: silently kept vs 400
    index_lag_ms: int = 0  # search sees a write only this long after it (§3)
    index_lag_mode: Literal["stale", "hidden"] = "stale"  # during the lag: the previous version vs nothing
    limit_per_10s: int | None = 100  # §7.1 Free/Starter burst, per app
    search_per_second: int | None = 5  # §3 search limit, per account
    daily_limit: int | None = 250_000  # §7.1 per account
    retry_after_on_429: bool = False  # HubSpot does not always send Retry-After (§1.6)
    search_counts_toward_burst: bool = False
    search_straddle: Literal["reject", "truncate"] = "reject"  # after < 10,000 < after + limit (§9.1 item 5)
    search_limit_over_max: Literal["reject", "clamp"] = "reject"  # limit > 200
    lifecycle_options_patchable: bool = True  # PATCH of lifecyclestage options (§4, undocumented)
    default_lifecyclestage: str | None = "lead"  # set on create when absent (§2.4)
    salesforce_properties: frozenset[str] = field(
        default_factory=frozenset
    )  # §6.4, subset of the connector's

    def update(self, changes: dict[str, Any]) -> None:
        """Apply `changes` (JSON-shaped), checking names and value kinds."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown switches: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, _coerce(name, value))

    def as_json(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


_CHOICES: dict[str, tuple[str, ...]] = {
    "lifecycle_backward": ("ignore", "reject"),
    "index_lag_mode": ("stale", "hidden"),
    "search_straddle": ("reject", "truncate"),
    "search_limit_over_max": ("reject", "clamp"),
}
_OPTIONAL_INTS = ("limit_per_10s", "search_per_second", "daily_limit")


def _coerce(name: str, value: Any) -> Any:
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise ValueError(f"{name} must be one of {_CHOICES[name]}, not {value!r}")
        return value
    if name in _OPTIONAL_INTS:
        return None if value is None else _non_negative(name, value)
    if name == "index_lag_ms":
        return _non_negative(name, value)
    if name in ("retry_after_on_429", "search_counts_toward_burst", "lifecycle_options_patchable"):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if name == "salesforce_properties":
        names = frozenset(value)
        if not names <= set(SALESFORCE_PROPERTIES):
            raise ValueError(f"salesforce_properties must be within {SALESFORCE_PROPERTIES}")
        return names
    return value


def _non_negative(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer")
    return value


def _jsonable(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value
