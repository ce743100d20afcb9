"""Contacts as HubSpot returns them: property selection, `propertiesWithHistory`, ISO timestamps (§2.1)."""

from __future__ import annotations

from collections.abc import Sequence

from .store import Contact, HistoryEntry
from .timestamps import iso_from_ms
from .wire import Json

DEFAULT_PROPERTIES = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
ALWAYS_RETURNED = ("hs_object_id", "createdate", "lastmodifieddate")


def selection(requested: Sequence[str] | None) -> tuple[str, ...]:
    """The property names a response carries: the defaults, or those asked for plus the always-returned."""
    if not requested:
        return DEFAULT_PROPERTIES
    names = dict.fromkeys(requested)
    for name in ALWAYS_RETURNED:
        names.setdefault(name)
    return tuple(names)


def render(contact: Contact, names: tuple[str, ...], history: Sequence[str] | None = None) -> Json:
    props = contact.props
    body: Json = {
        "id": props["hs_object_id"],
        "properties": {name: props.get(name) for name in names},
        "createdAt": props["createdate"],
        "updatedAt": props["lastmodifieddate"],
        "archived": contact.archived_ms is not None,
    }
    if contact.archived_ms is not None:
        body["archivedAt"] = iso_from_ms(contact.archived_ms)
    if history:
        body["propertiesWithHistory"] = {name: history_of(contact, name) for name in history}
    return body


def history_of(contact: Contact, name: str) -> list[Json]:
    """Newest first; a value loaded without history reads as one import entry at creation."""
    entries = contact.history.get(name) if contact.history else None
    if entries is None:
        value = contact.props.get(name)
        entries = [(value, contact.created_ms, "IMPORT", None)] if value is not None else []
    return [_entry(entry) for entry in entries]


def _entry(entry: HistoryEntry) -> Json:
    value, timestamp, source_type, source_id = entry
    item: Json = {"value": value, "timestamp": iso_from_ms(timestamp), "sourceType": source_type}
    if source_id is not None:
        item["sourceId"] = source_id
    return item
