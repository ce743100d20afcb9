"""Contract: forward-only lifecycle stage, stage-entry dates, property history, owner dates (§6)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.pipelines import PipelineStageInput

if TYPE_CHECKING:
    from conftest import Hub


def _write(hub: Hub, contact_id: str, **properties: str) -> dict[str, str]:
    updated = hub.client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties=properties)
    )
    return updated.properties


class TestForwardOnly:
    def test_backward_write_is_ignored_with_200_by_default(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="customer")
        hub.clock.advance(10)
        props = _write(hub, "1", lifecyclestage="lead", firstname="Kept")
        assert props["lifecyclestage"] == "customer" and props["firstname"] == "Kept"

    def test_backward_write_is_400_when_the_switch_says_reject(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="customer")
        hub.sandbox.set_switches(lifecycle_backward="reject")
        with pytest.raises(ApiException) as caught:
            _write(hub, "1", lifecyclestage="lead", firstname="NotKept")
        assert caught.value.status == 400
        assert json.loads(caught.value.body)["category"] == "VALIDATION_ERROR"
        assert hub.sandbox.contact("1")["properties"]["firstname"] == "First0"

    def test_backward_in_a_batch_is_ignored_per_record(self, hub: Hub) -> None:
        hub.seed(2, lifecyclestage="opportunity")
        body = BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id="1", properties={"lifecyclestage": "lead"}),
                SimplePublicObjectBatchInput(id="2", properties={"lifecyclestage": "customer"}),
            ]
        )
        result = hub.client.crm.contacts.batch_api.update(body)
        stages = {c.id: c.properties["lifecyclestage"] for c in result.results}
        assert stages == {"1": "opportunity", "2": "customer"}

    def test_clear_then_set_in_two_requests_moves_backward(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="customer")
        hub.sandbox.set_switches(lifecycle_backward="reject")
        hub.clock.advance(100)
        assert _write(hub, "1", lifecyclestage="").get("lifecyclestage") is None
        hub.clock.advance(100)
        props = _write(hub, "1", lifecyclestage="lead")
        assert props["lifecyclestage"] == "lead"
        assert props["hs_v2_date_entered_lead"] == props["lastmodifieddate"]
        assert props["hs_v2_date_exited_customer"] < props["hs_v2_date_entered_lead"]

    def test_forward_moves_follow_the_portal_option_order(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="lead")
        stages = [{"label": v.title(), "value": v} for v in ("lead", "customer", "subscriber")]
        hub.sandbox.set_property_options("lifecyclestage", stages)
        assert _write(hub, "1", lifecyclestage="subscriber")["lifecyclestage"] == "subscriber"
        assert _write(hub, "1", lifecyclestage="customer")["lifecyclestage"] == "subscriber"


class TestDatesAndHistory:
    def test_stage_change_sets_hs_v2_date_entered(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="lead")
        hub.clock.advance(60_000)
        props = _write(hub, "1", lifecyclestage="marketingqualifiedlead")
        assert props["hs_v2_date_entered_marketingqualifiedlead"] == props["lastmodifieddate"]
        assert props["hs_v2_date_exited_lead"] == props["lastmodifieddate"]
        assert props["hs_v2_date_entered_lead"] == props["createdate"]

    def test_properties_with_history_newest_first(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="lead")
        for status in ("NEW", "ATTEMPTED_TO_CONTACT", "CONNECTED"):
            hub.clock.advance(1000)
            _write(hub, "1", hs_lead_status=status)
        contact = hub.client.crm.contacts.basic_api.get_by_id(
            "1", properties=["hs_lead_status"], properties_with_history=["hs_lead_status", "lifecyclestage"]
        )
        history = contact.properties_with_history["hs_lead_status"]
        assert [h.value for h in history] == ["CONNECTED", "ATTEMPTED_TO_CONTACT", "NEW"]
        assert history[0].source_type == "API" and history[0].timestamp > history[1].timestamp
        assert [h.value for h in contact.properties_with_history["lifecyclestage"]] == ["lead"]

    def test_history_list_pages_hold_at_most_50(self, hub: Hub) -> None:
        hub.seed(60)
        page = hub.client.crm.contacts.basic_api.get_page(limit=100, properties_with_history=["email"])
        assert len(page.results) == 50 and page.paging.next.after == "51"

    def test_seeded_history_is_served(self, hub: Hub) -> None:
        hub.sandbox.load_contacts(
            [
                {
                    "email": "h@example.com",
                    "hs_lead_status": "OPEN",
                    "history": {
                        "hs_lead_status": [
                            {"value": "NEW", "timestamp": "2024-01-01T00:00:00.000Z", "sourceType": "IMPORT"},
                            {
                                "value": "OPEN",
                                "timestamp": "2024-02-01T00:00:00.000Z",
                                "sourceType": "CRM_UI",
                                "sourceId": "userId:7",
                            },
                        ]
                    },
                }
            ]
        )
        contact = hub.client.crm.contacts.basic_api.get_by_id("1", properties_with_history=["hs_lead_status"])
        history = contact.properties_with_history["hs_lead_status"]
        assert [(h.value, h.source_type, h.source_id) for h in history] == [
            ("OPEN", "CRM_UI", "userId:7"),
            ("NEW", "IMPORT", None),
        ]

    def test_owner_assignment_sets_assigned_date_and_unworked(self, hub: Hub) -> None:
        owner = hub.sandbox.add_owners([{"email": "rep@corp.com"}])[0]
        hub.seed(1)
        hub.clock.advance(5)
        props = _write(hub, "1", hubspot_owner_id=owner["id"])
        assert props["hubspot_owner_assigneddate"] == props["lastmodifieddate"]
        assert props["hs_is_unworked"] == "true"
        with pytest.raises(ApiException):
            _write(hub, "1", hubspot_owner_id="424242")

    def test_python_api_system_writes_record_activity(self, hub: Hub) -> None:
        hub.seed(1)
        hub.sandbox.set_values(
            "1", {"notes_last_contacted": "2026-01-02T03:04:05.678Z", "hs_is_unworked": "false"}
        )
        props = hub.client.crm.contacts.basic_api.get_by_id(
            "1", properties=["notes_last_contacted"]
        ).properties
        assert props["notes_last_contacted"] == "2026-01-02T03:04:05.678Z"


class TestCustomStages:
    def test_a_stage_added_to_the_lifecycle_pipeline_is_a_forward_option(self, hub: Hub) -> None:
        hub.seed(1, lifecyclestage="customer")
        stage = hub.client.crm.pipelines.pipeline_stages_api.create(
            "contacts", "contacts-lifecycle-pipeline", PipelineStageInput(label="Advocate", display_order=6)
        )
        assert stage.id.isdigit()
        props = _write(hub, "1", lifecyclestage=stage.id)
        assert props["lifecyclestage"] == stage.id
        assert props[f"hs_v2_date_entered_{stage.id}"] == props["lastmodifieddate"]
        names = {p.name for p in hub.client.crm.properties.core_api.get_all("contacts").results}
        assert f"hs_v2_date_entered_{stage.id}" in names


class TestSeeding:
    def test_load_contacts_keeps_ids_dates_and_archive_state(self, hub: Hub) -> None:
        loaded = hub.sandbox.load_contacts(
            [
                {
                    "id": "900",
                    "email": "late@example.com",
                    "createdate": "2024-05-01T10:00:00.000Z",
                    "lastmodifieddate": "1714561200123",
                    "lifecyclestage": "opportunity",
                },
                {"id": "100", "email": "early@example.com", "archived": True},
            ]
        )
        assert loaded == 2
        contact = hub.client.crm.contacts.basic_api.get_by_id(
            "900", properties=["hs_v2_date_entered_opportunity"]
        )
        assert contact.properties["createdate"] == "2024-05-01T10:00:00.000Z"
        assert contact.properties["lastmodifieddate"] == "2024-05-01T11:00:00.123Z"
        assert contact.properties["hs_v2_date_entered_opportunity"] == "2024-05-01T10:00:00.000Z"
        assert [c.id for c in hub.client.crm.contacts.basic_api.get_page(archived=True).results] == ["100"]
        created = hub.client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "n@example.com"})
        )
        assert created.id == "901"
