"""Annotation fields (reason, SLA due) go in the same record payload as the stage: no extra write call, and a
field the org or portal lacks is dropped (the record is still written) and reported."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from connectors.hubspot.connector import HubSpotConnector
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from mapping.plan import Correction
from sandbox.hubspot import HubSpotSandbox
from sandbox.salesforce import SalesforceSandbox
from tests.contract.connectors.conftest import DEFAULT
from tests.factories import compiled

REASON = "Moved to Marketing Qualified Lead: lead score ≥ 50 (72) (definition v1+abcdef12)"
SF_DUE = "2026-11-20T18:00:00.000+0000"
HS_DUE = "2026-11-20T18:00:00.000Z"
SF_EXTRAS = (("Stage_Reason__c", REASON), ("SLA_Due__c", SF_DUE))
HS_EXTRAS = (("leadsync_stage_reason", REASON), ("leadsync_sla_due", HS_DUE))


def _sf_leads(sandbox: SalesforceSandbox, count: int, start: int) -> list[str]:
    ids = [f"00Q9{n:011d}AAA" for n in range(start, start + count)]
    sandbox.load_leads({"Id": i, "LastName": f"L{n}", "Company": "Acme", "Email": f"p{n}@x.io",
                        "Status": "Open - Not Contacted"} for n, i in enumerate(ids))
    return ids


def _sf_correction(record_id: str, extras: tuple = ()) -> Correction:  # type: ignore[type-arg]
    return Correction("salesforce", record_id, "Status", "Open - Not Contacted", "Marketing Qualified", "inquiry",
                      "mql", "marketing_evidence", REASON, "1+abcdef12", extras=extras)


def _sf_connector(connection: Any) -> SalesforceConnector:
    settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                  ca_bundle=connection.ca_bundle)
    return SalesforceConnector(settings, DEFAULT)


def _hs_connector(served: Any) -> HubSpotConnector:
    settings = HubSpotSettings(access_token=served.access_token, base_url=served.base_url, search_calls_per_s=1000,
                               calls_per_10s=10_000)
    return HubSpotConnector(settings, compiled(two_way=True))


def _hs_correction(record_id: str, extras: tuple = ()) -> Correction:  # type: ignore[type-arg]
    return Correction("hubspot", record_id, "lifecyclestage", "lead", "marketingqualifiedlead", "inquiry", "mql",
                      "marketing_evidence", REASON, "1+abcdef12", extras=extras)


def test_salesforce_writes_reason_and_due_in_the_same_collections_calls(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.set_lead_statuses(["Open - Not Contacted", "Marketing Qualified"])
    plain, annotated = _sf_leads(sandbox, 450, 0), _sf_leads(sandbox, 450, 1_000)
    connector = _sf_connector(connection)

    sandbox.calls.reset()
    assert all(o.ok for o in connector.writer.apply_corrections([_sf_correction(i) for i in plain]))
    off = sandbox.calls.snapshot()["sf.collections.update"]
    sandbox.calls.reset()
    assert all(o.ok for o in connector.writer.apply_corrections([_sf_correction(i, SF_EXTRAS) for i in annotated]))
    on = sandbox.calls.snapshot()["sf.collections.update"]

    assert on == off == 3  # ceil(450 / 200): the annotations ride along
    record = sandbox.record(annotated[0]) or {}
    assert record["Status"] == "Marketing Qualified" and record["Stage_Reason__c"] == REASON
    assert str(record["SLA_Due__c"]).startswith("2026-11-20T18:00:00")
    assert (sandbox.record(plain[0]) or {}).get("Stage_Reason__c") is None
    assert connector.writer.missing_annotation_fields == []


def test_salesforce_drops_an_annotation_field_the_org_lacks_and_reports_it(salesforce, caplog) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.set_lead_statuses(["Open - Not Contacted", "Marketing Qualified"])
    sandbox.org.schema["Lead"].remove_field("SLA_Due__c")
    ids = _sf_leads(sandbox, 3, 0)
    connector = _sf_connector(connection)

    with caplog.at_level(logging.WARNING):
        outcomes = connector.writer.apply_corrections([_sf_correction(i, SF_EXTRAS) for i in ids])

    assert all(o.ok for o in outcomes)  # without the drop, INVALID_FIELD would fail every record
    record = sandbox.record(ids[0]) or {}
    assert record["Status"] == "Marketing Qualified" and record["Stage_Reason__c"] == REASON
    assert connector.writer.missing_annotation_fields == ["SLA_Due__c"]
    assert sum("SLA_Due__c" in r.getMessage() for r in caplog.records) == 1  # reported once, not per record


def test_salesforce_without_annotations_never_describes_for_the_writer(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.set_lead_statuses(["Open - Not Contacted", "Marketing Qualified"])
    ids = _sf_leads(sandbox, 3, 0)
    sandbox.calls.reset()

    _sf_connector(connection).writer.apply_corrections([_sf_correction(i) for i in ids])

    assert sandbox.calls.snapshot() == {"sf.collections.update": 1}


def _hs_contacts(sandbox: HubSpotSandbox, count: int, start: int) -> list[str]:
    sandbox.load_contacts({"id": str(n), "email": f"c{n}@x.io", "lifecyclestage": "lead"}
                          for n in range(start, start + count))
    return [str(n) for n in range(start, start + count)]


def test_hubspot_writes_reason_and_due_in_the_same_batch_updates(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    plain, annotated = _hs_contacts(sandbox, 150, 1), _hs_contacts(sandbox, 150, 1_001)
    connector = _hs_connector(served)

    sandbox.calls.reset()
    assert all(o.ok for o in connector.writer.apply_corrections([_hs_correction(i) for i in plain]))
    off = sandbox.calls.snapshot()
    sandbox.calls.reset()
    assert all(o.ok for o in connector.writer.apply_corrections([_hs_correction(i, HS_EXTRAS) for i in annotated]))
    on = sandbox.calls.snapshot()

    assert on["hs.contacts.batch_update"] == off["hs.contacts.batch_update"] == 2  # ceil(150 / 100)
    assert on.get("hs.properties.list") == 1 and "hs.properties.list" not in off  # learnt once, only when annotating
    properties = (sandbox.contact(annotated[0]) or {})["properties"]
    assert properties["lifecyclestage"] == "marketingqualifiedlead"
    assert properties["leadsync_stage_reason"] == REASON and properties["leadsync_sla_due"] == HS_DUE


def test_hubspot_clears_a_due_time_with_an_empty_value(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    (contact,) = _hs_contacts(sandbox, 1, 1)
    sandbox.set_values(contact, {"leadsync_sla_due": HS_DUE})
    extras = (("leadsync_stage_reason", REASON), ("leadsync_sla_due", None))

    outcomes = _hs_connector(served).writer.apply_corrections([_hs_correction(contact, extras)])

    assert all(o.ok for o in outcomes)
    assert "leadsync_sla_due" not in (sandbox.contact(contact) or {})["properties"]


def test_hubspot_drops_a_property_the_portal_lacks_and_reports_it(hubspot, caplog) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.portal.registry.remove("leadsync_sla_due")
    ids = _hs_contacts(sandbox, 120, 1)
    connector = _hs_connector(served)
    sandbox.calls.reset()

    with caplog.at_level(logging.WARNING):
        outcomes = connector.writer.apply_corrections([_hs_correction(i, HS_EXTRAS) for i in ids])

    assert all(o.ok for o in outcomes)  # without the drop, PROPERTY_DOESNT_EXIST would fail each whole batch
    properties = (sandbox.contact(ids[0]) or {})["properties"]
    assert properties["lifecyclestage"] == "marketingqualifiedlead" and properties["leadsync_stage_reason"] == REASON
    assert connector.writer.missing_annotation_fields == ["leadsync_sla_due"]
    assert sum("leadsync_sla_due" in r.getMessage() for r in caplog.records) == 1
    assert sandbox.calls.snapshot()["hs.properties.list"] == 1


def test_hubspot_clear_then_set_sends_the_annotations_with_the_set(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.load_contacts([{"id": "1", "email": "a@x.io", "lifecyclestage": "opportunity"}])
    base = replace(_hs_correction("1"), before="opportunity")
    clear = replace(base, after=None, step=1)  # a backward move: HubSpot refuses it in one write
    set_value = replace(base, step=2, extras=HS_EXTRAS)
    sandbox.calls.reset()

    outcomes = _hs_connector(served).writer.apply_corrections([clear, set_value])

    assert all(o.ok for o in outcomes)
    assert sandbox.calls.snapshot()["hs.contacts.batch_update"] == 2
    properties = (sandbox.contact("1") or {})["properties"]
    assert properties["lifecyclestage"] == "marketingqualifiedlead" and properties["leadsync_stage_reason"] == REASON
