"""The ordered matches of one search, kept current across writes by re-testing only changed contacts."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from .filters import Getter, Predicate
from .store import Contact, ContactStore

OrderKey = Callable[[Contact], tuple[Any, ...]]
REFRESH_LIMIT = 2_000  # above this many changed contacts a fresh scan is cheaper


class Descending:
    """Inverts the order of one sort component, so one composite key serves sort and bisect alike."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[Any, ...]) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and self.value == other.value

    def __lt__(self, other: Descending) -> bool:
        return bool(other.value < self.value)

    __hash__ = None  # type: ignore[assignment]


def order_key(sorts: list[tuple[Getter, bool]]) -> OrderKey:
    """Sort values in their directions (unset last when ascending), then id ascending."""

    def key(contact: Contact) -> tuple[Any, ...]:
        parts: list[Any] = []
        for read, descending in sorts:
            value = read(contact)
            part = (1, 0) if value is None else (0, value)
            parts.append(Descending(part) if descending else part)
        parts.append(contact.id)
        return tuple(parts)

    return key


class MatchList:
    """Matches in result order with their order keys; `refresh` applies the store's changes since then."""

    def __init__(self, store: ContactStore, test: Predicate, order: OrderKey, by_id_only: bool) -> None:
        self.test = test
        self.order = order
        self.version = store.version
        self.contacts = store.matching(test)
        if not by_id_only:
            self.contacts.sort(key=order)
        self.keys = [order(contact) for contact in self.contacts]
        self.key_of = {contact.id: key for contact, key in zip(self.contacts, self.keys, strict=True)}

    def refresh(self, store: ContactStore) -> bool:
        """Bring the list up to the store's version; False when too much changed to do it incrementally."""
        changed = store.changed_since(self.version)
        if changed is None or len(changed) > REFRESH_LIMIT:
            return False
        for contact_id in changed:
            self._drop(contact_id)
            view = store.search_view(contact_id)
            if view is not None and self.test(view):
                self._insert(view)
        self.version = store.version
        return True

    def _drop(self, contact_id: int) -> None:
        old = self.key_of.pop(contact_id, None)
        if old is not None:
            index = bisect_left(self.keys, old)
            del self.keys[index]
            del self.contacts[index]

    def _insert(self, contact: Contact) -> None:
        key = self.order(contact)
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.contacts.insert(index, contact)
        self.key_of[contact.id] = key
