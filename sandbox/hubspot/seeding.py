"""Bulk loading for seed generators: rows of property strings become compact contacts without API rules."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from .store import Contact, ContactStore, HistoryEntry
from .timestamps import iso_from_ms, ms_from_text
from .writes import LIFECYCLE_PIPELINE, as_text

RESERVED = frozenset(
    {"id", "history", "archived", "createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_object_id"}
)


def contact_from_row(row: Mapping[str, Any], contact_id: int, now_ms: int) -> Contact:
    """From `row`: property → value; optional id, createdate, lastmodifieddate, history, archived."""
    created = _ms(row.get("createdate"), now_ms)
    modified = _ms(row.get("lastmodifieddate") or row.get("hs_lastmodifieddate"), created)
    props = {
        sys.intern(k): _compact(as_text(v))
        for k, v in row.items()
        if k not in RESERVED and v not in (None, "")
    }
    modified_iso = iso_from_ms(modified)
    props.update(
        hs_object_id=str(contact_id),
        createdate=iso_from_ms(created),
        lastmodifieddate=modified_iso,
        hs_lastmodifieddate=modified_iso,
    )
    props.setdefault("hs_pipeline", LIFECYCLE_PIPELINE)
    stage = props.get("lifecyclestage")
    if stage:
        props.setdefault(sys.intern(f"hs_v2_date_entered_{stage}"), props["createdate"])
    contact = Contact(contact_id, props, created, modified)
    if row.get("archived"):
        contact.archived_ms = modified
    for name, entries in (row.get("history") or {}).items():
        for entry in sorted((_history_entry(e, created) for e in entries), key=lambda e: e[1]):
            contact.record(sys.intern(name), entry)
    return contact


def load_rows(store: ContactStore, rows: Iterable[Mapping[str, Any]], now_ms: int) -> int:
    count = 0
    for row in rows:
        raw_id = row.get("id") or row.get("hs_object_id")
        contact_id = int(raw_id) if raw_id is not None else store.new_id()
        store.add(contact_from_row(row, contact_id, now_ms))
        count += 1
    return count


def _ms(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    parsed = ms_from_text(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parsed


def _compact(value: str) -> str:
    return sys.intern(value) if len(value) <= 24 else value


def _history_entry(raw: Mapping[str, Any], default_ms: int) -> HistoryEntry:
    source_id = raw.get("sourceId")
    return (
        as_text(raw.get("value")),
        _ms(raw.get("timestamp"), default_ms),
        str(raw.get("sourceType", "IMPORT")),
        None if source_id is None else str(source_id),
    )
