"""Contract: the standard objects besides contacts exist empty, with their default properties in the v3 and legacy
v1/v2 shapes, and answer lists, searches, legacy pages and marketing/automation lists with nothing in them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from hubspot.crm.deals import PublicObjectSearchRequest
from hubspot.crm.objects.exceptions import NotFoundException

if TYPE_CHECKING:
    from conftest import Hub

LEGACY_KEYS = {"name", "label", "description", "groupName", "type", "fieldType", "options", "createdAt", "updatedAt",
               "displayOrder", "readOnlyValue", "readOnlyDefinition", "hidden", "calculated", "externalOptions",
               "formField", "hubspotDefined", "hasUniqueValue", "favorited", "optionsAreMutable", "deleted"}
V3_KEYS = {"name", "label", "type", "fieldType", "groupName", "description", "options", "displayOrder", "hidden",
           "hasUniqueValue", "formField", "calculated", "externalOptions", "hubspotDefined", "modificationMetadata",
           "createdAt", "updatedAt", "archived"}


def _call(hub: Hub, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{hub.served.base_url}{path}", data=data, method="GET" if data is None else "POST",
                                     headers={"Authorization": f"Bearer {hub.served.access_token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class TestDefaultProperties:
    def test_company_properties_have_the_v3_shape(self, hub: Hub) -> None:
        properties = hub.client.crm.properties.core_api.get_all("companies").results
        by_name = {p.name: p for p in properties}
        assert {"name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"} <= set(by_name)
        assert by_name["domain"].has_unique_value and by_name["type"].type == "enumeration"
        assert [o.value for o in by_name["type"].options][:2] == ["PROSPECT", "PARTNER"]
        assert by_name["hs_object_id"].modification_metadata.read_only_value

    @pytest.mark.parametrize("object_type", ["deals", "deal", "0-3", "tickets", "calls", "emails", "meetings",
                                             "notes", "tasks", "line_items", "products", "quotes", "leads"])
    def test_every_name_of_an_object_lists_its_properties(self, hub: Hub, object_type: str) -> None:
        status, body = _call(hub, f"/crm/v3/properties/{object_type}")
        assert status == 200 and body["results"]
        for item in body["results"]:
            assert V3_KEYS <= set(item), V3_KEYS - set(item)
        assert "hs_object_id" in {p["name"] for p in body["results"]}

    def test_one_property_reads_and_an_unknown_one_is_404(self, hub: Hub) -> None:
        assert _call(hub, "/crm/v3/properties/deals/dealstage")[1]["label"] == "Deal Stage"
        status, body = _call(hub, "/crm/v3/properties/deals/no_such_property")
        assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"

    @pytest.mark.parametrize("path", ["/properties/v2/company/properties", "/properties/v2/calls/properties",
                                      "/properties/v1/deals/properties", "/companies/v2/properties",
                                      "/properties/v2/contact/properties", "/properties/v2/form/properties"])
    def test_legacy_lists_are_bare_arrays_in_the_legacy_shape(self, hub: Hub, path: str) -> None:
        status, properties = _call(hub, path)
        assert status == 200 and isinstance(properties, list) and properties
        for item in properties:
            assert LEGACY_KEYS <= set(item), LEGACY_KEYS - set(item)
            assert isinstance(item["createdAt"], int) and isinstance(item["updatedAt"], int)

    def test_an_unknown_object_type_is_refused(self, hub: Hub) -> None:
        for path in ("/crm/v3/properties/spaceships", "/properties/v2/spaceships/properties",
                     "/crm/v3/objects/spaceships"):
            status, body = _call(hub, path)
            assert (status, body["category"]) == (400, "VALIDATION_ERROR"), path


class TestEmptyRecords:
    def test_lists_are_empty_pages(self, hub: Hub) -> None:
        hub.seed(3)
        page = hub.client.crm.companies.basic_api.get_page(limit=100, associations=["contacts"])
        assert page.results == [] and page.paging is None
        assert _call(hub, "/crm/v3/objects/line_item?archived=false") == (200, {"results": []})

    def test_searches_find_nothing(self, hub: Hub) -> None:
        request = PublicObjectSearchRequest(filter_groups=[], sorts=["hs_object_id"], properties=["dealname"],
                                            limit=200)
        result = hub.client.crm.deals.search_api.do_search(request)
        assert result.total == 0 and result.results == [] and result.paging is None
        assert _call(hub, "/crm/v3/objects/calls/search", {"filters": [], "limit": 100}) == (
            200, {"total": 0, "results": []})

    def test_a_record_read_is_not_found(self, hub: Hub) -> None:
        with pytest.raises(NotFoundException):
            hub.client.crm.objects.basic_api.get_by_id("tickets", "1")
        status, body = _call(hub, "/crm/v3/objects/companies/7")
        assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"

    def test_counted_under_their_own_keys(self, hub: Hub) -> None:
        _call(hub, "/crm/v3/objects/deals")
        _call(hub, "/crm/v3/objects/deals/search", {})
        _call(hub, "/properties/v2/deal/properties")
        assert hub.sandbox.calls.snapshot() == {"hs.objects.list": 1, "hs.objects.search": 1,
                                                "hs.properties.legacy_list": 1}

    @pytest.mark.parametrize(("path", "body", "expected"), [
        ("/companies/v2/companies/paged", None, {"companies": [], "has-more": False, "offset": 0}),
        ("/deals/v1/deal/paged", None, {"deals": [], "hasMore": False, "offset": 0}),
        ("/deals/v1/deal/recent/modified", None, {"results": [], "hasMore": False, "offset": 0, "total": 0}),
        ("/engagements/v1/engagements/paged", None, {"results": [], "hasMore": False, "offset": 0}),
        ("/marketing/v3/forms", None, {"results": []}),
        ("/marketing-emails/v1/emails/with-statistics?limit=250", None,
         {"objects": [], "limit": 250, "offset": 0, "total": 0}),
        ("/automation/v3/workflows", None, {"workflows": []}),
        ("/crm/v3/lists/search", {"offset": 0, "count": 500}, {"lists": [], "hasMore": False, "offset": 0,
                                                               "total": 0}),
    ])
    def test_legacy_and_marketing_lists_are_empty_in_their_shapes(self, hub: Hub, path: str, body: Any,
                                                                  expected: Any) -> None:
        assert _call(hub, path, body) == (200, expected)
