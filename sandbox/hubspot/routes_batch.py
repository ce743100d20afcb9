"""Batch routes (≤100 inputs): read, create (201), update, upsert, archive; 207 for per-record errors."""

from __future__ import annotations

from typing import Any

from sandbox.runtime import FaultKind

from .portal import Portal
from .render import render, selection
from .routes_contacts import written
from .store import Contact
from .timestamps import iso_from_ms
from .wire import ApiError, Call, Json, Reply, error_body, validation_error

BATCH_MAX = 100
HISTORY_BATCH_MAX = 50  # hubspot.md §2.5
NOT_FOUND_MESSAGE = (
    "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
)


class Envelope:
    """Collects results and per-record errors of one batch call into HubSpot's envelope."""

    def __init__(self, portal: Portal, success: int = 200) -> None:
        self.started = portal.clock()
        self.portal = portal
        self.success = success
        self.results: list[Json] = []
        self.errors: list[Json] = []

    def fail(self, category: str, message: str, ids: list[str]) -> None:
        if ids:
            self.errors.append(
                {"status": "error", "category": category, "message": message, "context": {"ids": ids}}
            )

    def reply(self) -> Reply:
        body: Json = {
            "status": "COMPLETE",
            "results": self.results,
            "startedAt": iso_from_ms(self.started),
            "completedAt": iso_from_ms(self.portal.clock()),
        }
        if self.errors:
            body["numErrors"] = len(self.errors)
            body["errors"] = self.errors
        return Reply(207 if self.errors else self.success, body)


def batch_read(portal: Portal, call: Call) -> Reply:
    body = _object(call.body)
    ids = [str(item.get("id", "")) for item in _inputs(body)]
    names = selection(body.get("properties"))
    history = body.get("propertiesWithHistory")
    if history and len(ids) > HISTORY_BATCH_MAX:
        raise validation_error(
            f"Batch reads with propertiesWithHistory take at most {HISTORY_BATCH_MAX} inputs"
        )
    envelope, missing = Envelope(portal), []
    for identifier in dict.fromkeys(ids):
        contact = portal.store.find(identifier, body.get("idProperty"), archived=call.flag("archived"))
        if contact is None:
            missing.append(identifier)
        else:
            envelope.results.append(render(contact, names, history))
    envelope.fail("OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, missing)
    return envelope.reply()


def batch_create(portal: Portal, call: Call) -> Reply:
    inputs = _inputs(_object(call.body))
    checked = [portal.writer.check(_object(item).get("properties") or {}, None) for item in inputs]
    _reject_duplicate_emails(checked)
    envelope = Envelope(portal, success=201)
    failing = _failing(call)
    for index, changes in enumerate(checked):
        key = changes.get("email") or str(index)
        if _fails(failing, key, index):
            _injected(envelope, key)
            continue
        envelope.results.append(written(portal.writer.create(changes)))
    return envelope.reply()


def batch_update(portal: Portal, call: Call) -> Reply:
    inputs = [_object(item) for item in _inputs(_object(call.body))]
    _reject_email_keys(inputs)
    ids = _unique_ids(inputs)
    envelope, missing, failing = Envelope(portal), [], _failing(call)
    planned: list[tuple[Contact, dict[str, str]]] = []
    for index, item in enumerate(inputs):
        contact = portal.store.find(ids[index], None)
        if contact is None:
            missing.append(ids[index])
        elif _fails(failing, ids[index], index):
            _injected(envelope, ids[index])
        else:
            planned.append((contact, portal.writer.check(item.get("properties"), contact)))
    for contact, changes in planned:
        portal.writer.update(contact, changes)
        envelope.results.append(written(contact))
    envelope.fail("OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, missing)
    return envelope.reply()


def batch_upsert(portal: Portal, call: Call) -> Reply:
    inputs = [_object(item) for item in _inputs(_object(call.body))]
    _unique_ids(inputs)
    envelope, failing = Envelope(portal), _failing(call)
    planned: list[tuple[Contact | None, dict[str, str]]] = []
    for index, item in enumerate(inputs):
        identifier, id_property = str(item.get("id", "")), item.get("idProperty") or "hs_object_id"
        if _fails(failing, identifier, index):
            _injected(envelope, identifier)
            continue
        contact = portal.store.find(identifier, id_property)
        properties = dict(_object(item.get("properties") or {}))
        if contact is None and id_property == "email":
            properties.setdefault("email", identifier)
        elif contact is None:
            raise validation_error(
                f"Upsert needs a unique idProperty such as email; {identifier} was not found"
            )
        planned.append((contact, portal.writer.check(properties, contact)))
    for contact, changes in planned:
        envelope.results.append(_upsert_one(portal, contact, changes))
    return envelope.reply()


def batch_archive(portal: Portal, call: Call) -> Reply:
    for item in _inputs(_object(call.body)):
        contact = portal.store.find(str(_object(item).get("id", "")), None)
        if contact is not None:
            portal.writer.archive(contact)
    return Reply(204)


def _upsert_one(portal: Portal, contact: Contact | None, changes: dict[str, str]) -> Json:
    if contact is None:
        return {**written(portal.writer.create(changes)), "new": True}
    portal.writer.update(contact, changes)
    return {**written(contact), "new": False}


def _object(raw: Any) -> Json:
    if not isinstance(raw, dict):
        raise validation_error("Expected a JSON object")
    return raw


def _inputs(body: Json) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("inputs must be a list")
    if len(inputs) > BATCH_MAX:
        # Message text is [U] (hubspot.md §9.1 item 4); the status and category are what clients key on.
        raise validation_error(
            f"Batch input limit exceeded: {len(inputs)} inputs were sent, the maximum is {BATCH_MAX}"
        )
    return inputs


def _unique_ids(inputs: list[Json]) -> list[str]:
    ids = [str(item.get("id", "")).lower() for item in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation_error(f"Duplicate IDs found in batch input: {duplicates}")
    return [str(item.get("id", "")) for item in inputs]


def _reject_email_keys(inputs: list[Json]) -> None:
    keyed = next(
        (item.get("idProperty") for item in inputs if item.get("idProperty") not in (None, "hs_object_id")),
        None,
    )
    if keyed is not None:  # hubspot.md §2.6: batch update by email is refused; use upsert
        raise validation_error(f"Unable to perform update/upsert by non-unique 0-1 property {keyed}")


def _reject_duplicate_emails(checked: list[dict[str, str]]) -> None:
    seen: set[str] = set()
    for changes in checked:
        email = (changes.get("email") or "").lower()
        if email and email in seen:
            raise ApiError(409, error_body("CONFLICT", f"Duplicate email in batch input: {email}"))
        seen.add(email)


def _failing(call: Call) -> frozenset[str] | None:
    """Record keys an injected PARTIAL_FAILURE fails (empty set: the first input), None without one."""
    fault = call.fault
    if fault is None or fault.kind is not FaultKind.PARTIAL_FAILURE:
        return None
    return fault.record_ids


def _fails(failing: frozenset[str] | None, key: str, index: int) -> bool:
    if failing is None:
        return False
    return key in failing if failing else index == 0


def _injected(envelope: Envelope, key: str) -> None:
    message = (
        f'Property values were not valid: [{{"isValid":false,"message":"Record {key} was rejected",'
        '"error":"INVALID_OPTION","name":"lifecyclestage"}]'
    )
    envelope.fail("VALIDATION_ERROR", message, [key])
