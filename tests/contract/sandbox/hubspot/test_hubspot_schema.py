"""Contract: properties (whole-list option PATCH), pipelines and stages, owners (hubspot.md §4, §5, §10)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hubspot.crm.pipelines import ApiException as PipelinesApiException
from hubspot.crm.pipelines import PipelineStageInput
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyUpdate
from hubspot.crm.properties.exceptions import NotFoundException

if TYPE_CHECKING:
    from conftest import Hub


def _option(value: str, order: int) -> OptionInput:
    return OptionInput(label=value.title(), value=value, display_order=order, hidden=False)


class TestProperties:
    def test_get_all_and_get_by_name(self, hub: Hub) -> None:
        api = hub.client.crm.properties.core_api
        names = {p.name for p in api.get_all("contacts").results}
        assert {"email", "lifecyclestage", "hs_lead_status", "hs_v2_date_entered_customer"} <= names
        stage = api.get_by_name("contacts", "lifecyclestage")
        assert [o.value for o in stage.options][:2] == ["subscriber", "lead"]
        assert stage.modification_metadata.read_only_definition is True

    def test_unknown_property_is_404(self, hub: Hub) -> None:
        with pytest.raises(NotFoundException):
            hub.client.crm.properties.core_api.get_by_name("contacts", "nope")

    def test_options_patch_replaces_the_whole_list(self, hub: Hub) -> None:
        api = hub.client.crm.properties.core_api
        old = api.get_by_name("contacts", "hs_lead_status").options
        assert old and len(old) == 8
        everything = [_option(o.value, o.display_order) for o in old] + [_option("NURTURE", 8)]
        patched, status, _ = api.update_with_http_info(
            "contacts", "hs_lead_status", PropertyUpdate(options=everything)
        )
        assert status == 200 and len(patched.options) == 9
        only_new = api.update("contacts", "hs_lead_status", PropertyUpdate(options=[_option("NURTURE", 0)]))
        assert [o.value for o in only_new.options] == ["NURTURE"]  # what is omitted is gone
        assert [o.value for o in api.get_by_name("contacts", "hs_lead_status").options] == ["NURTURE"]

    def test_lifecycle_options_patch_follows_the_switch(self, hub: Hub) -> None:
        api = hub.client.crm.properties.core_api
        current = [
            _option(o.value, o.display_order) for o in api.get_by_name("contacts", "lifecyclestage").options
        ]
        assert len(api.update("contacts", "lifecyclestage", PropertyUpdate(options=current)).options) == 8
        hub.sandbox.set_switches(lifecycle_options_patchable=False)
        with pytest.raises(PropertiesApiException) as caught:
            api.update("contacts", "lifecyclestage", PropertyUpdate(options=current))
        assert caught.value.status == 400

    def test_create_property_is_201_and_409_when_taken(self, hub: Hub) -> None:
        api = hub.client.crm.properties.core_api
        body = PropertyCreate(
            name="leadsync_reason",
            label="Reason",
            type="string",
            field_type="text",
            group_name="contactinformation",
        )
        created, status, _ = api.create_with_http_info("contacts", body)
        assert status == 201 and created.name == "leadsync_reason"
        with pytest.raises(PropertiesApiException) as caught:
            api.create("contacts", body)
        assert caught.value.status == 409

    def test_salesforce_properties_exist_only_when_switched_on(self, hub: Hub) -> None:
        api = hub.client.crm.properties.core_api
        assert "salesforceleadid" not in {p.name for p in api.get_all("contacts").results}
        hub.sandbox.set_switches(salesforce_properties=["salesforceleadid", "salesforcecontactid"])
        names = {p.name for p in api.get_all("contacts").results}
        assert {"salesforceleadid", "salesforcecontactid"} <= names and "salesforceaccountid" not in names

    def test_set_property_options_python_api(self, hub: Hub) -> None:
        hub.sandbox.set_property_options("hs_lead_status", [{"label": "Fresh", "value": "FRESH"}])
        options = hub.client.crm.properties.core_api.get_by_name("contacts", "hs_lead_status").options
        assert [(o.value, o.display_order) for o in options] == [("FRESH", 0)]


class TestPipelines:
    def test_lifecycle_pipeline_mirrors_lifecyclestage_options(self, hub: Hub) -> None:
        api = hub.client.crm.pipelines.pipelines_api
        pipeline = api.get_by_id("contacts", "contacts-lifecycle-pipeline")
        assert [s.id for s in pipeline.stages][:3] == ["subscriber", "lead", "marketingqualifiedlead"]
        assert [p.id for p in api.get_all("0-136").results] == ["lead-pipeline-id"]

    def test_deal_stage_needs_probability_and_create_is_201(self, hub: Hub) -> None:
        api = hub.client.crm.pipelines.pipeline_stages_api
        with pytest.raises(PipelinesApiException) as caught:
            api.create("deals", "default", PipelineStageInput(label="Nurture", display_order=9))
        assert caught.value.status == 400
        stage, status, _ = api.create_with_http_info(
            "deals",
            "default",
            PipelineStageInput(label="Nurture", display_order=9, metadata={"probability": "0.1"}),
        )
        assert status == 201 and stage.metadata["probability"] == "0.1" and stage.id.isdigit()
        assert stage.id in [s.id for s in api.get_all("deals", "default").results]

    def test_unknown_pipeline_is_404(self, hub: Hub) -> None:
        with pytest.raises(PipelinesApiException) as caught:
            hub.client.crm.pipelines.pipelines_api.get_by_id("deals", "nope")
        assert caught.value.status == 404
        assert json.loads(caught.value.body)["category"] == "OBJECT_NOT_FOUND"


class TestOwners:
    def test_owners_page_filter_and_owner_id_validation(self, hub: Hub) -> None:
        added = hub.sandbox.add_owners([{"email": "a@corp.com", "firstName": "Ann"}, {"email": "b@corp.com"}])
        api = hub.client.crm.owners.owners_api
        page = api.get_page(limit=1)
        assert len(page.results) == 1 and page.paging.next.after == "1"
        assert [o.id for o in api.get_page(email="b@corp.com").results] == [added[1]["id"]]
        assert api.get_by_id(added[0]["id"]).email == "a@corp.com"
        options = hub.client.crm.properties.core_api.get_by_name("contacts", "hubspot_owner_id").options
        assert {o.value for o in options} == {a["id"] for a in added}
