"""`SandboxHandle.reset()`: one served sandbox can stand in for a fresh one per test. Whatever a test changes — records
written through the API, switches, faults, latency, picklist values and properties, expired sessions — a reset
gives back exactly what a freshly seeded sandbox of the same set-up holds, without restarting the servers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from sandbox.launch import SandboxHandle, run_sandbox
from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce.wire import format_datetime
from tests.conftest import DEFAULT_DEFINITIONS
from tests.factories import compiled

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
LEADS = 60
SEED = 11
SALESFORCE_OBJECTS = ("Lead", "LeadHistory", "LeadStatus", "Task", "Event", "User", "Organization")
# The org stamps its own rows (Organization, users, LeadStatus values) from the wall clock when it is built: two
# sandboxes seeded from the same `now` differ there by the time between their starts, so the digest leaves that out.
WALL_CLOCK_STAMPED = ("LeadStatus", "User", "Organization")
WALL_CLOCK_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


@pytest.fixture
def fresh() -> Iterator[SandboxHandle]:
    with run_sandbox(definition=compiled(DEFAULT_DEFINITIONS), leads=LEADS, seed=SEED, now=NOW) as handle:
        yield handle


def _rows(handle: SandboxHandle, sobject: str) -> list[dict[str, Any]]:
    rows = handle.salesforce.records(sobject, include_deleted=True)
    if sobject in WALL_CLOCK_STAMPED:
        rows = ({name: value for name, value in row.items() if name not in WALL_CLOCK_FIELDS} for row in rows)
    return sorted(rows, key=lambda row: str(row["Id"]))


def _salesforce_state(handle: SandboxHandle) -> dict[str, Any]:
    sf = handle.salesforce
    return {
        "tables": {sobject: _rows(handle, sobject) for sobject in SALESFORCE_OBJECTS},
        "lead_fields": sorted(sf.org.schema["Lead"].fields),
        "statuses": [asdict(value) for value in sf.lead_statuses()],
        "switches": sf.switches.as_dict(),
        "calls": sf.calls.snapshot(),
        "faults_injected": dict(sf.faults.injected),
        "latency": (sf.latency.fixed_ms, sf.latency.jitter_ms),
        "journal": sf.org.journal,
    }


def _hubspot_state(handle: SandboxHandle) -> dict[str, Any]:
    hs = handle.hubspot
    portal = hs.portal
    return {
        "contacts": [hs.contact(str(contact_id), with_history=True) for contact_id in portal.store.ordered_ids()],
        "properties": sorted((p.name, p.type, json.dumps(p.options, sort_keys=True)) for p in portal.registry.all()),
        "owners": portal.owners.options(),
        "switches": hs.switches.as_json(),
        "calls": hs.calls.snapshot(),
        "faults_injected": dict(hs.faults.injected),
        "latency": (hs.latency.fixed_ms, hs.latency.jitter_ms),
        "journal": portal.store.journal,
        "errors": hs.errors,
    }


def _digest(handle: SandboxHandle) -> str:
    state = {"salesforce": _salesforce_state(handle), "hubspot": _hubspot_state(handle),
             "seeded": dict(handle.seeded)}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _salesforce_session(handle: SandboxHandle) -> requests.Session:
    session = requests.Session()
    session.verify, session.trust_env = str(handle.sf.ca_bundle), False
    session.headers["Authorization"] = f"Bearer {handle.sf.session_id}"
    return session


def _hubspot_session(handle: SandboxHandle) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {handle.hs.access_token}"
    return session


def _mutate_like_a_test(handle: SandboxHandle) -> None:
    """What e2e tests do to a sandbox: API writes, a created picklist value and property, switches, faults, latency,
    records added through the Python API, expired sessions."""
    sf_http, hs_http = _salesforce_session(handle), _hubspot_session(handle)
    data = f"{handle.sf.instance_url}/services/data/v{handle.sf.api_version}"
    lead = next(handle.salesforce.records("Lead"))
    written = sf_http.patch(f"{data}/sobjects/Lead/{lead['Id']}", json={"Status": "Working - Contacted",
                                                                          "Stage_Reason__c": "moved by a test"})
    assert written.status_code == 204, written.text
    contact_id = handle.hubspot.portal.store.ordered_ids()[0]
    contacts = f"{handle.hs.base_url}/crm/v3/objects/contacts"
    patched = hs_http.patch(f"{contacts}/{contact_id}", json={"properties": {"firstname": "Changed"}})
    assert patched.status_code == 200, patched.text
    created = hs_http.post(f"{handle.hs.base_url}/crm/v3/properties/contacts",
                           json={"name": "made_by_a_test", "label": "Made by a test", "type": "enumeration",
                                 "fieldType": "select", "groupName": "contactinformation",
                                 "options": [{"label": "Yes", "value": "yes"}]})
    assert created.status_code == 201, created.text
    handle.salesforce.set_lead_statuses([*(s.full_name for s in handle.salesforce.lead_statuses()), "Recycled"])
    handle.salesforce.add_lead_fields([("Made_By_A_Test__c", "string")])
    handle.salesforce.add_tasks([{"WhoId": lead["Id"], "Subject": "Called", "Status": "Completed",
                                  "CompletedDateTime": format_datetime(NOW)}])
    switched = sf_http.post(f"{handle.sf.instance_url}/__sandbox/switches", json={"restricted_picklist": True})
    assert switched.status_code == 200, switched.text
    handle.hubspot.set_switches(index_lag_ms=5_000, lifecycle_backward="reject")
    handle.salesforce.inject(Fault("sf.*", FaultKind.UNAVAILABLE, probability=1.0, times=None))  # every call fails
    handle.hubspot.inject("hs.*", "unavailable", probability=1.0, times=None)
    for sandbox in (handle.salesforce, handle.hubspot):
        sandbox.set_latency(5, 5)
    handle.salesforce.expire_sessions()


def test_a_reset_sandbox_holds_exactly_what_a_freshly_seeded_one_does(fresh: SandboxHandle) -> None:
    with run_sandbox(definition=compiled(DEFAULT_DEFINITIONS), leads=LEADS, seed=SEED, now=NOW) as reused:
        seeded = _digest(reused)
        _mutate_like_a_test(reused)
        assert _digest(reused) != seeded  # the mutations are visible to the digest

        reused.reset()

        assert _digest(reused) == seeded == _digest(fresh)


def test_after_a_reset_the_same_servers_answer_with_the_seeded_records_the_same_session_and_no_fault(
        fresh: SandboxHandle) -> None:
    lead = next(fresh.salesforce.records("Lead"))
    _mutate_like_a_test(fresh)

    fresh.reset()

    data = f"{fresh.sf.instance_url}/services/data/v{fresh.sf.api_version}"
    read = _salesforce_session(fresh).get(f"{data}/sobjects/Lead/{lead['Id']}")
    assert read.status_code == 200, read.text
    assert read.json()["Status"] == lead["Status"]
    contact_id = fresh.hubspot.portal.store.ordered_ids()[0]
    contact = _hubspot_session(fresh).get(f"{fresh.hs.base_url}/crm/v3/objects/contacts/{contact_id}",
                                          params={"properties": "firstname"})
    assert contact.status_code == 200, contact.text
    assert contact.json()["properties"].get("firstname") != "Changed"
    assert fresh.salesforce.calls.snapshot() == {"sf.sobject.get": 1}
    assert fresh.hubspot.calls.snapshot() == {"hs.contacts.get": 1}


def test_a_sandbox_built_by_hand_has_no_seeded_state_to_reset_to(fresh: SandboxHandle) -> None:
    by_hand = SandboxHandle(fresh.salesforce, fresh.hubspot, fresh.sf, fresh.hs)
    with pytest.raises(ValueError, match="not set up by run_sandbox"):
        by_hand.reset()
