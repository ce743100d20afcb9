"""Basic contact routes: list (id cursor), read, create (201), update, archive (204) (hubspot.md §2.1–2.4)."""

from __future__ import annotations

from urllib.parse import urlencode

from .portal import Portal
from .render import render, selection
from .store import Contact
from .wire import Call, Json, Reply, not_found, validation_error

PAGE_MAX, HISTORY_PAGE_MAX = 100, 50


def list_contacts(portal: Portal, call: Call) -> Reply:
    history = call.names("propertiesWithHistory")
    limit = max(1, min(call.integer("limit", 10), HISTORY_PAGE_MAX if history else PAGE_MAX))
    after = call.first("after") or "0"
    if not after.isdigit():
        raise validation_error(f"Invalid after cursor: {after}")
    names = selection(call.names("properties"))
    page, following = portal.store.page(int(after), limit, archived=call.flag("archived"))
    body: Json = {"results": [render(contact, names, history) for contact in page]}
    if following is not None:
        body["paging"] = {"next": {"after": str(following), "link": _link(call, str(following))}}
    return Reply(200, body)


def get_contact(portal: Portal, call: Call) -> Reply:
    contact = _find(portal, call, archived=call.flag("archived"))
    names = selection(call.names("properties"))
    return Reply(200, render(contact, names, call.names("propertiesWithHistory")))


def create_contact(portal: Portal, call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    changes = portal.writer.check(body.get("properties") or {}, None)
    contact = portal.writer.create(changes)
    return Reply(201, written(contact))


def update_contact(portal: Portal, call: Call) -> Reply:
    contact = _find(portal, call, archived=False)
    body = call.body if isinstance(call.body, dict) else {}
    changes = portal.writer.check(body.get("properties"), contact)
    portal.writer.update(contact, changes)
    return Reply(200, written(contact))


def archive_contact(portal: Portal, call: Call) -> Reply:
    contact = portal.store.find(call.path["contact_id"], call.first("idProperty"))
    if contact is not None:
        portal.writer.archive(contact)
    return Reply(204)


def written(contact: Contact) -> dict[str, object]:
    """What a write returns: every set property, no history (§2.3)."""
    return render(contact, tuple(sorted(contact.props)))


def _find(portal: Portal, call: Call, *, archived: bool) -> Contact:
    identifier = call.path["contact_id"]
    contact = portal.store.find(identifier, call.first("idProperty"), archived=archived)
    if contact is None:
        raise not_found(identifier)
    return contact


def _link(call: Call, after: str) -> str:
    query = [(k, v) for k, values in call.query.items() if k != "after" for v in values] + [("after", after)]
    return f"{call.url}?{urlencode(query)}"
