"""Contract: custom-object schemas, singular object paths, the v2 property list and v4 associations."""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any

from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest, PublicFetchAssociationsBatchRequest

if TYPE_CHECKING:
    from conftest import Hub

LEGACY_KEYS = {"name", "label", "description", "groupName", "type", "fieldType", "options", "createdAt", "updatedAt",
               "displayOrder", "readOnlyValue", "readOnlyDefinition", "hidden", "mutableDefinitionNotDeletable",
               "calculated", "externalOptions", "formField", "hubspotDefined", "hasUniqueValue", "favorited",
               "optionsAreMutable", "displayMode", "deleted"}


def _get(hub: Hub, path: str) -> tuple[int, Any]:
    request = urllib.request.Request(f"{hub.served.base_url}{path}",
                                     headers={"Authorization": f"Bearer {hub.served.access_token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_schemas_list_is_empty_for_a_portal_without_custom_objects(hub: Hub) -> None:
    schemas = hub.client.crm.schemas.core_api.get_all()
    assert schemas.results == []
    assert hub.sandbox.calls.snapshot() == {"hs.schemas.list": 1}


def test_singular_contact_paths_alias_the_plural_ones(hub: Hub) -> None:
    hub.seed(2)
    status, page = _get(hub, "/crm/v3/objects/contact?limit=10&properties=email")
    assert status == 200 and [r["properties"]["email"] for r in page["results"]] == [
        "person0@example.com", "person1@example.com"]
    status, one = _get(hub, "/crm/v3/objects/contact/2")
    assert (status, one["id"]) == (200, "2")
    assert hub.client.crm.objects.basic_api.get_by_id("contact", "1").properties["email"] == "person0@example.com"
    assert hub.sandbox.calls.snapshot() == {"hs.contacts.list": 1, "hs.contacts.get": 2}


def test_v2_property_list_has_the_legacy_shape(hub: Hub) -> None:
    status, properties = _get(hub, "/properties/v2/contacts/properties")
    assert status == 200 and isinstance(properties, list)
    by_name = {p["name"]: p for p in properties}
    assert {"email", "lifecyclestage", "hs_lead_status"} <= set(by_name)
    for item in properties:
        assert LEGACY_KEYS <= set(item), LEGACY_KEYS - set(item)
    stage = by_name["lifecyclestage"]
    assert isinstance(stage["createdAt"], int) and isinstance(stage["updatedAt"], int)
    assert stage["options"][0] | {"readOnly": False} == {"description": "", "label": "Subscriber", "displayOrder": 0,
                                                         "hidden": False, "value": "subscriber", "readOnly": False}


def test_v4_batch_read_without_associations_is_207_no_associations_found(hub: Hub) -> None:
    hub.seed(2)
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id="1"), PublicFetchAssociationsBatchRequest(id="2")])
    result, status, _ = hub.client.crm.associations.v4.batch_api.get_page_with_http_info(
        "contacts", "companies", request)
    assert status == 207 and result.status == "COMPLETE" and result.results == []
    assert result.num_errors == 2
    error = result.errors[0]
    assert (error.category, error.sub_category) == ("OBJECT_NOT_FOUND", "crm.associations.NO_ASSOCIATIONS_FOUND")
    assert error.message == "No company is associated with contact 1."
    assert error.context == {"fromObjectId": ["1"], "fromObjectType": ["contact"], "toObjectType": ["company"]}


def test_v4_object_associations_page_is_empty(hub: Hub) -> None:
    hub.seed(1)
    page = hub.client.crm.associations.v4.basic_api.get_page("contacts", "1", "companies")
    assert page.results == [] and page.paging is None


def test_documented_schemas_path_answers_the_same(hub: Hub) -> None:
    assert _get(hub, "/crm/v3/schemas") == (200, {"results": []})
