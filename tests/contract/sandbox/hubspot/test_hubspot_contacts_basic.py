"""Contract: basic contact routes through the unmodified hubspot-api-client (hubspot.md §2.1–2.4)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import hubspot
import pytest
from hubspot.crm.contacts import ApiException, SimplePublicObjectInput, SimplePublicObjectInputForCreate
from hubspot.crm.contacts.exceptions import NotFoundException, UnauthorizedException

if TYPE_CHECKING:
    from conftest import Hub


class TestListing:
    def test_get_page_follows_the_after_cursor_to_the_end(self, hub: Hub) -> None:
        hub.seed(250)
        api = hub.client.crm.contacts.basic_api
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = api.get_page(limit=100, after=after, properties=["email", "lifecyclestage"])
            seen.extend(contact.id for contact in page.results)
            pages += 1
            if page.paging is None:
                break
            after = page.paging.next.after
            assert page.paging.next.link.startswith(hub.served.base_url)
        assert pages == 3
        assert seen == [str(n) for n in range(1, 251)]

    def test_get_all_visits_every_contact_once(self, hub: Hub) -> None:
        hub.seed(205)
        contacts = hub.client.crm.contacts.get_all(properties=["email"])
        assert len({c.id for c in contacts}) == 205 == len(contacts)
        assert hub.sandbox.calls.snapshot()["hs.contacts.list"] == 3

    def test_default_and_requested_properties(self, hub: Hub) -> None:
        hub.seed(1)
        api = hub.client.crm.contacts.basic_api
        default = api.get_page(limit=1).results[0]
        assert set(default.properties) == {
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname",
        }
        asked = api.get_page(limit=1, properties=["email", "hs_lead_status"]).results[0]
        assert asked.properties["hs_lead_status"] is None
        assert {"hs_object_id", "createdate", "lastmodifieddate", "email"} <= set(asked.properties)
        assert asked.created_at.tzinfo is not None  # ISO timestamps, parsed by the client

    def test_archived_contacts_are_listed_only_with_archived_true(self, hub: Hub) -> None:
        hub.seed(3)
        api = hub.client.crm.contacts.basic_api
        assert api.archive("2") is None
        assert [c.id for c in api.get_page(limit=10).results] == ["1", "3"]
        archived = api.get_page(limit=10, archived=True).results
        assert [c.id for c in archived] == ["2"] and archived[0].archived is True
        assert archived[0].archived_at is not None


class TestReadOne:
    def test_get_by_id_and_by_email(self, hub: Hub) -> None:
        hub.seed(2)
        api = hub.client.crm.contacts.basic_api
        assert api.get_by_id("2", properties=["email"]).properties["email"] == "person1@example.com"
        assert api.get_by_id("person1@example.com", id_property="email").id == "2"

    def test_unknown_id_is_404_object_not_found(self, hub: Hub) -> None:
        with pytest.raises(NotFoundException) as caught:
            hub.client.crm.contacts.basic_api.get_by_id("999")
        body = json.loads(caught.value.body)
        assert body["category"] == "OBJECT_NOT_FOUND" and body["status"] == "error" and body["correlationId"]

    def test_wrong_token_is_401_invalid_authentication(self, hub: Hub) -> None:
        client = hubspot.HubSpot(access_token="wrong", host=hub.served.base_url)
        with pytest.raises(UnauthorizedException) as caught:
            client.crm.contacts.basic_api.get_page()
        assert json.loads(caught.value.body)["category"] == "INVALID_AUTHENTICATION"
        assert caught.value.headers.get("x-hubspot-auth-failure") == "401 Unauthorized"


class TestWrites:
    def test_create_answers_exactly_201_with_portal_defaults(self, hub: Hub) -> None:
        api = hub.client.crm.contacts.basic_api
        created, status, _ = api.create_with_http_info(
            SimplePublicObjectInputForCreate(properties={"email": "new@example.com", "firstname": "Ada"})
        )
        assert status == 201
        props = created.properties
        assert props["lifecyclestage"] == "lead" and props["hs_pipeline"] == "contacts-lifecycle-pipeline"
        assert props["hs_v2_date_entered_lead"] == props["createdate"] == props["lastmodifieddate"]
        assert props["hs_object_id"] == created.id

    def test_duplicate_email_is_409_conflict_naming_the_existing_id(self, hub: Hub) -> None:
        hub.seed(1)
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.basic_api.create(
                SimplePublicObjectInputForCreate(properties={"email": "person0@example.com"})
            )
        assert caught.value.status == 409
        body = json.loads(caught.value.body)
        assert body["category"] == "CONFLICT" and body["message"].endswith("Existing ID: 1")

    def test_update_bumps_lastmodifieddate_and_empty_string_clears(self, hub: Hub) -> None:
        hub.seed(1, hs_lead_status="NEW")
        hub.clock.advance(1234)
        api = hub.client.crm.contacts.basic_api
        updated = api.update(
            "1", SimplePublicObjectInput(properties={"hs_lead_status": "", "firstname": "Bo"})
        )
        assert updated.properties.get("hs_lead_status") is None and updated.properties["firstname"] == "Bo"
        assert updated.properties["lastmodifieddate"] == updated.properties["hs_lastmodifieddate"]
        assert updated.updated_at > updated.created_at
        assert (updated.updated_at - updated.created_at).total_seconds() == pytest.approx(1.234)

    def test_update_by_email_id_property(self, hub: Hub) -> None:
        hub.seed(1)
        updated = hub.client.crm.contacts.basic_api.update(
            "person0@example.com",
            SimplePublicObjectInput(properties={"firstname": "Cy"}),
            id_property="email",
        )
        assert updated.id == "1" and updated.properties["firstname"] == "Cy"

    @pytest.mark.parametrize(
        ("properties", "error"),
        [
            ({"nope": "x"}, "PROPERTY_DOESNT_EXIST"),
            ({"hs_lead_status": "MAYBE"}, "INVALID_OPTION"),
            ({"createdate": "2020-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
        ],
    )
    def test_invalid_writes_are_400_with_the_item_list(
        self, hub: Hub, properties: dict[str, str], error: str
    ) -> None:
        hub.seed(1)
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.basic_api.update("1", SimplePublicObjectInput(properties=properties))
        body = json.loads(caught.value.body)
        assert caught.value.status == 400 and body["category"] == "VALIDATION_ERROR"
        items = json.loads(body["message"].removeprefix("Property values were not valid: "))
        assert items[0]["error"] == error and items[0]["isValid"] is False

    def test_archive_is_204_and_the_contact_then_404s(self, hub: Hub) -> None:
        hub.seed(1)
        api = hub.client.crm.contacts.basic_api
        _, status, _ = api.archive_with_http_info("1")
        assert status == 204
        with pytest.raises(NotFoundException):
            api.get_by_id("1")
        assert api.get_by_id("1", archived=True).archived is True

    def test_host_and_base_url_both_reach_the_sandbox(self, hub: Hub) -> None:
        client = hub.new_client()
        response = client.api_request({"method": "GET", "path": "/crm/v3/objects/contacts?limit=1"})
        assert response.status_code == 200
