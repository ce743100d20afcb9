"""Contact property writes: validation, forward-only lifecycle, stage-entry dates, owner dates, history."""

from __future__ import annotations

from typing import Any

from .properties import PropertyRegistry
from .store import Contact, ContactStore
from .switches import Switches
from .timestamps import Clock, iso_from_ms
from .wire import ApiError, error_body, property_errors

LIFECYCLE_PIPELINE = "contacts-lifecycle-pipeline"


def as_text(value: Any) -> str:
    """HubSpot stores every value as a string; JSON booleans become "true"/"false" (hubspot.md §2.10)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ContactWriter:
    """Applies property writes the way HubSpot does; every mutation of a contact goes through here."""

    def __init__(
        self, store: ContactStore, registry: PropertyRegistry, switches: Switches, clock: Clock
    ) -> None:
        self.store = store
        self.registry = registry
        self.switches = switches
        self.clock = clock

    def check(self, raw: Any, contact: Contact | None, *, system: bool = False) -> dict[str, str]:
        """The validated writes of one input (raises 400/409), with backward lifecycle moves resolved."""
        if not isinstance(raw, dict):
            raise ApiError(400, error_body("VALIDATION_ERROR", "properties must be an object"))
        changes = {name: as_text(value) for name, value in raw.items()}
        problems = [
            p for name, v in changes.items() if (p := self.registry.check_write(name, v, system=system))
        ]
        if problems:
            raise property_errors(problems)
        self._check_email(changes.get("email"), contact)
        if contact is not None and not system and "lifecyclestage" in changes:
            self._check_lifecycle(contact, changes)
        return changes

    def create(self, changes: dict[str, str], source: str = "API") -> Contact:
        now = self.clock()
        contact = Contact(self.store.new_id(), {}, now, now)
        contact.props["hs_object_id"] = str(contact.id)
        contact.props["createdate"] = iso_from_ms(now)
        defaults = {"hs_pipeline": LIFECYCLE_PIPELINE, "hs_is_unworked": "true"}
        if self.switches.default_lifecyclestage and not changes.get("lifecyclestage"):
            defaults["lifecyclestage"] = self.switches.default_lifecyclestage
        self._apply(contact, {**defaults, **changes}, now, source)
        self.store.add(contact)
        self._hold(contact, None, now)
        return contact

    def update(self, contact: Contact, changes: dict[str, str], source: str = "API") -> bool:
        now = self.clock()
        if source == "API":
            self.store.journal.append((str(contact.id), dict(changes)))
        before = contact.snapshot() if self._lagging() else None
        changed = self._apply(contact, changes, now, source)
        if changed:
            self.store.touch(contact.id)
            self._hold(contact, before, now)
        return changed

    def archive(self, contact: Contact) -> None:
        now = self.clock()
        before = contact.snapshot() if self._lagging() else None
        self.store.archive(contact, now)
        self._hold(contact, before, now)

    def _check_email(self, email: str | None, contact: Contact | None) -> None:
        if not email:
            return
        owner = self.store.by_email(email)
        if owner is not None and owner is not contact:
            body = error_body("CONFLICT", f"Contact already exists. Existing ID: {owner.id}")
            raise ApiError(409, body)

    def _check_lifecycle(self, contact: Contact, changes: dict[str, str]) -> None:
        old, new = contact.props.get("lifecyclestage"), changes["lifecyclestage"]
        if not self._is_backward(old, new):
            return
        if self.switches.lifecycle_backward == "reject":
            message = f"{new} is before {old}: lifecyclestage can only move forward; clear it first"
            raise property_errors(
                [{"isValid": False, "message": message, "error": "INVALID_OPTION", "name": "lifecyclestage"}]
            )
        del changes["lifecyclestage"]  # HubSpot answers 200 and keeps the later stage (§6.1)

    def _is_backward(self, old: str | None, new: str) -> bool:
        if not old or not new:
            return False
        order = self.registry.option_values("lifecyclestage")
        return old in order and new in order and order.index(new) < order.index(old)

    def _apply(self, contact: Contact, changes: dict[str, str], now: int, source: str) -> bool:
        changed = False
        for name, value in changes.items():
            old = contact.props.get(name)
            if (old or "") == value:
                continue
            self._set(contact, name, value, now, source)
            self._side_effects(contact, name, old, value, now)
            changed = True
        if changed:
            stamp = iso_from_ms(now)
            contact.modified_ms = now
            contact.props["lastmodifieddate"] = stamp
            contact.props["hs_lastmodifieddate"] = stamp
        return changed

    def _set(self, contact: Contact, name: str, value: str, now: int, source: str) -> None:
        old_email = contact.props.get("email") if name == "email" else None
        if value:
            contact.props[name] = value
        else:
            contact.props.pop(name, None)
        contact.record(name, (value, now, source, None))
        if name == "email":
            self.store.index_email(contact, old_email)

    def _side_effects(self, contact: Contact, name: str, old: str | None, new: str, now: int) -> None:
        stamp = iso_from_ms(now)
        if name == "lifecyclestage":
            if old:
                self._set(contact, f"hs_v2_date_exited_{old}", stamp, now, "CALCULATED")
            if new:
                self._set(contact, f"hs_v2_date_entered_{new}", stamp, now, "CALCULATED")
                self._set(contact, "hs_v2_date_entered_current_stage", stamp, now, "CALCULATED")
        elif name == "hubspot_owner_id" and new:
            self._set(contact, "hubspot_owner_assigneddate", stamp, now, "CALCULATED")
            self._set(contact, "hs_is_unworked", "true", now, "CALCULATED")

    def _lagging(self) -> bool:
        return self.switches.index_lag_ms > 0 and self.switches.index_lag_mode == "stale"

    def _hold(self, contact: Contact, before: Contact | None, now: int) -> None:
        if self.switches.index_lag_ms > 0:
            self.store.hold_for_index(contact, before, now + self.switches.index_lag_ms)
