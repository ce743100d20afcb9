"""The in-memory contact table: compact records, id order, the email index and the lagging search view."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator

HistoryEntry = tuple[str, int, str, str | None]  # value, timestamp ms, sourceType, sourceId
LOG_LIMIT = 50_000


class Contact:
    """One contact; `props` holds only set values (all strings), `history` only what was recorded."""

    __slots__ = ("archived_ms", "created_ms", "history", "id", "modified_ms", "props")

    def __init__(self, contact_id: int, props: dict[str, str], created_ms: int, modified_ms: int) -> None:
        self.id = contact_id
        self.props = props
        self.history: dict[str, list[HistoryEntry]] | None = None
        self.created_ms = created_ms
        self.modified_ms = modified_ms
        self.archived_ms: int | None = None

    @property
    def sid(self) -> str:
        return self.props["hs_object_id"]

    def snapshot(self) -> Contact:
        copy = Contact(self.id, dict(self.props), self.created_ms, self.modified_ms)
        copy.archived_ms = self.archived_ms
        return copy

    def record(self, name: str, entry: HistoryEntry) -> None:
        if self.history is None:
            self.history = {}
        self.history.setdefault(name, []).insert(0, entry)


class ContactStore:
    """Contacts by id with an ascending id list for paging; `version` changes whenever search may change."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._by_id: dict[int, Contact] = {}
        self._ids: list[int] = []
        self._ordered: list[Contact] = []  # parallel to _ids
        self._unsorted = False
        self._emails: dict[str, int] = {}
        self._pending: dict[int, tuple[int, Contact | None]] = {}
        self.next_id = 1
        self.version = 0
        self._log: list[int] = []  # the contact each version step changed, from version _log_base on
        self._log_base = 0
        self.journal: list[tuple[str, dict[str, str]]] = []  # every API update as sent: (contact id, properties)

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, contact: Contact) -> None:
        if contact.id in self._by_id:
            raise ValueError(f"contact {contact.id} already exists")
        if self._ids and contact.id < self._ids[-1]:
            self._unsorted = True
        self._by_id[contact.id] = contact
        self._ids.append(contact.id)
        self._ordered.append(contact)
        self.next_id = max(self.next_id, contact.id + 1)
        self.index_email(contact, None)
        self.touch(contact.id)

    def touch(self, contact_id: int) -> None:
        """Record that what search sees of `contact_id` may have changed."""
        self.version += 1
        if len(self._log) >= LOG_LIMIT:
            self._log_base, self._log = self.version - 1, []
        self._log.append(contact_id)

    def changed_since(self, version: int) -> set[int] | None:
        """Contacts touched after `version`; None when the log no longer reaches back that far."""
        if version < self._log_base:
            return None
        return set(self._log[version - self._log_base :])

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def get(self, contact_id: int) -> Contact | None:
        return self._by_id.get(contact_id)

    def by_email(self, email: str) -> Contact | None:
        found = self._emails.get(email.strip().lower())
        return self._by_id.get(found) if found is not None else None

    def index_email(self, contact: Contact, old_email: str | None) -> None:
        if old_email:
            self._emails.pop(old_email.strip().lower(), None)
        email = contact.props.get("email")
        if email and contact.archived_ms is None:
            self._emails[email.strip().lower()] = contact.id

    def find(self, identifier: str, id_property: str | None, *, archived: bool = False) -> Contact | None:
        """What `identifier` names (an id or a unique property value) in the requested archive state."""
        if id_property and id_property != "hs_object_id":
            contact = self.by_email(identifier) if id_property == "email" else None
        else:
            contact = self.get(int(identifier)) if identifier.isdigit() else None
        if contact is None or (contact.archived_ms is not None) != archived:
            return None
        return contact

    def ordered_ids(self) -> list[int]:
        if self._unsorted:
            self._ordered.sort(key=lambda contact: contact.id)
            self._ids = [contact.id for contact in self._ordered]
            self._unsorted = False
        return self._ids

    def page(self, after: int, limit: int, *, archived: bool) -> tuple[list[Contact], int | None]:
        """Up to `limit` contacts with id >= `after`, ascending, and the next page's cursor (its first id)."""
        ids = self.ordered_ids()
        found: list[Contact] = []
        for index in range(bisect_left(ids, after), len(ids)):
            contact = self._ordered[index]
            if (contact.archived_ms is not None) != archived:
                continue
            if len(found) == limit:
                return found, contact.id
            found.append(contact)
        return found, None

    def archive(self, contact: Contact, now_ms: int) -> None:
        contact.archived_ms = now_ms
        email = contact.props.get("email")
        if email and self._emails.get(email.strip().lower()) == contact.id:
            del self._emails[email.strip().lower()]
        self.touch(contact.id)

    def hold_for_index(self, contact: Contact, before: Contact | None, until_ms: int) -> None:
        """Keep `before` (None: nothing) as what search sees of `contact` until `until_ms` (index lag)."""
        held = self._pending.get(contact.id)
        self._pending[contact.id] = (until_ms, held[1] if held is not None else before)

    def catch_up_index(self, now_ms: int) -> None:
        expired = [cid for cid, (until, _) in self._pending.items() if until <= now_ms]
        for contact_id in expired:
            del self._pending[contact_id]
            self.touch(contact_id)

    def matching(self, test: Callable[[Contact], bool]) -> list[Contact]:
        """Active contacts as the (possibly lagging) search index sees them that pass `test`, in id order."""
        self.ordered_ids()
        if not self._pending:
            return [contact for contact in self._ordered if contact.archived_ms is None and test(contact)]
        return [contact for contact in self._lagging_view() if test(contact)]

    def search_view(self, contact_id: int) -> Contact | None:
        """What the search index holds for one contact now: itself, a held older version, or nothing."""
        contact = self._by_id.get(contact_id)
        held = self._pending.get(contact_id)
        if held is not None:
            contact = held[1]
        return contact if contact is not None and contact.archived_ms is None else None

    def _lagging_view(self) -> Iterator[Contact]:
        pending = self._pending
        for contact in self._ordered:
            if contact.id in pending:
                held = pending[contact.id][1]
                if held is None:
                    continue
                contact = held
            if contact.archived_ms is None:
                yield contact
