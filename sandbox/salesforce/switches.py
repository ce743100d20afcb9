"""Realism switches of the Salesforce sandbox, settable at construction and at run time (admin endpoint)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Switches:
    """Behaviour that differs between orgs, or that tests want to force."""

    restricted_picklist: bool = False  # Lead.Status rejects values outside the active LeadStatus set
    status_history: bool = True  # field history tracking on for `tracked_fields`
    tracked_fields: tuple[str, ...] = ("Status",)
    assignment_rule: bool = True  # an active lead assignment rule; REST writes run it unless Sforce-Auto-Assign: FALSE
    assignment_owner_id: str | None = None  # owner the rule assigns (default: the org's "Lead Router" user)
    daily_api_max: int = 100_000
    api_usage: int = 0
    accept_password_without_token: bool = False  # trusted IP range: password alone logs in
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def update(self, changes: dict[str, object]) -> None:
        """Apply a JSON object of switch values; unknown names are a ValueError."""
        known = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown switches: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, tuple(value) if name == "tracked_fields" else value)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def spend_api_call(self) -> bool:
        """Count one API request against the daily budget; False when the budget is already used up."""
        with self._lock:
            if self.api_usage >= self.daily_api_max:
                return False
            self.api_usage += 1
            return True

    def limit_info(self) -> str:
        return f"api-usage={self.api_usage}/{self.daily_api_max}"
