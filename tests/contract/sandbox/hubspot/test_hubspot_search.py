"""Contract: contact search — operators, sorts, offset paging, the 10,000 cap, index lag (hubspot.md §3)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hubspot.crm.contacts import (
    ApiException,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

if TYPE_CHECKING:
    from conftest import Hub


def _search(hub: Hub, filters: list[dict[str, Any]] | None = None, **kwargs: Any) -> Any:
    groups = [FilterGroup(filters=[Filter(**f) for f in filters])] if filters else None
    request = PublicObjectSearchRequest(filter_groups=groups, **kwargs)
    return hub.client.crm.contacts.search_api.do_search(request)


def _ids(result: Any) -> list[int]:
    return [int(c.id) for c in result.results]


@pytest.fixture
def people(hub: Hub) -> Hub:
    """Ten contacts; even ids are customers with a lead status, one has no last name."""
    rows = [
        {
            "email": f"p{n}@acme.com" if n % 2 else f"p{n}@globex.org",
            "firstname": f"Name{n}",
            "num_notes": str(n),
            **({"lifecyclestage": "customer", "hs_lead_status": "OPEN"} if n % 2 == 0 else {}),
            **({"lastname": f"L{n}"} if n != 3 else {}),
            "createdate": str(1_700_000_000_000 + n * 1000),
        }
        for n in range(1, 11)
    ]
    hub.sandbox.load_contacts(rows)
    return hub


class TestOperators:
    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            ({"property_name": "hs_lead_status", "operator": "EQ", "value": "OPEN"}, [2, 4, 6, 8, 10]),
            ({"property_name": "hs_lead_status", "operator": "NEQ", "value": "OPEN"}, [1, 3, 5, 7, 9]),
            ({"property_name": "num_notes", "operator": "LT", "value": "3"}, [1, 2]),
            ({"property_name": "num_notes", "operator": "LTE", "value": "3"}, [1, 2, 3]),
            ({"property_name": "num_notes", "operator": "GT", "value": "8"}, [9, 10]),
            ({"property_name": "num_notes", "operator": "GTE", "value": "8"}, [8, 9, 10]),
            (
                {
                    "property_name": "createdate",
                    "operator": "BETWEEN",
                    "value": "1700000002000",
                    "high_value": "2023-11-14T22:13:24.000Z",
                },
                [2, 3, 4],
            ),
            ({"property_name": "firstname", "operator": "IN", "values": ["name1", "Name5"]}, [1, 5]),
            (
                {"property_name": "hs_object_id", "operator": "NOT_IN", "values": ["1", "2", "3", "4", "5"]},
                [6, 7, 8, 9, 10],
            ),
            ({"property_name": "lastname", "operator": "NOT_HAS_PROPERTY"}, [3]),
            ({"property_name": "hs_lead_status", "operator": "HAS_PROPERTY"}, [2, 4, 6, 8, 10]),
            ({"property_name": "email", "operator": "CONTAINS_TOKEN", "value": "globex"}, [2, 4, 6, 8, 10]),
            ({"property_name": "email", "operator": "CONTAINS_TOKEN", "value": "p1*"}, [1, 10]),
            ({"property_name": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "acme"}, [2, 4, 6, 8, 10]),
        ],
    )
    def test_operator(self, people: Hub, flt: dict[str, Any], expected: list[int]) -> None:
        assert _ids(_search(people, [flt], limit=100)) == expected

    def test_groups_are_ored_and_filters_anded(self, people: Hub) -> None:
        request = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "num_notes", "operator": "LT", "value": "3"},
                        {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"},
                    ]
                },
                {"filters": [{"propertyName": "num_notes", "operator": "EQ", "value": "9"}]},
            ],
            "limit": 100,
        }
        assert _ids(people.client.crm.contacts.search_api.do_search(request)) == [2, 9]

    def test_too_many_filter_groups_is_400(self, people: Hub) -> None:
        group = {"filters": [{"propertyName": "num_notes", "operator": "HAS_PROPERTY"}]}
        with pytest.raises(ApiException) as caught:
            people.client.crm.contacts.search_api.do_search({"filterGroups": [group] * 6})
        assert caught.value.status == 400

    def test_empty_body_returns_default_properties_and_total(self, people: Hub) -> None:
        result = people.client.crm.contacts.search_api.do_search({})
        assert result.total == 10 and len(result.results) == 10
        assert set(result.results[0].properties) == {
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname",
        }
        assert result.paging is None


class TestSortsAndPaging:
    def test_sort_descending_by_a_number(self, people: Hub) -> None:
        result = _search(people, sorts=[{"propertyName": "num_notes", "direction": "DESCENDING"}], limit=3)
        assert _ids(result) == [10, 9, 8] and result.paging.next.after == "3"

    def test_string_sort_form_is_accepted(self, people: Hub) -> None:
        assert _ids(_search(people, sorts=["createdate"], limit=2)) == [1, 2]

    def test_200_per_page_paging_to_the_end(self, hub: Hub) -> None:
        hub.seed(450)
        seen: list[int] = []
        after = None
        while True:
            result = _search(hub, sorts=["hs_object_id"], limit=200, after=after, properties=["email"])
            assert result.total == 450
            seen.extend(_ids(result))
            if result.paging is None:
                break
            after = result.paging.next.after
        assert seen == list(range(1, 451))

    def test_limit_above_200_is_400_or_clamped_per_switch(self, hub: Hub) -> None:
        hub.seed(250)
        with pytest.raises(ApiException) as caught:
            _search(hub, limit=201)
        assert caught.value.status == 400
        hub.sandbox.set_switches(search_limit_over_max="clamp")
        assert len(_search(hub, limit=201).results) == 200


class TestTenThousandCap:
    @pytest.fixture
    def big(self, hub: Hub) -> Hub:
        hub.seed(10_050)
        return hub

    def test_paging_past_10000_is_400_while_total_counts_all(self, big: Hub) -> None:
        result = _search(big, sorts=["hs_object_id"], limit=200, after="9800")
        assert result.total == 10_050 and len(result.results) == 200
        assert result.paging.next.after == "10000"
        with pytest.raises(ApiException) as caught:
            _search(big, sorts=["hs_object_id"], limit=200, after=result.paging.next.after)
        body = json.loads(caught.value.body)
        assert caught.value.status == 400 and body["category"] == "VALIDATION_ERROR"
        assert body["status"] == "error" and body["correlationId"]

    def test_a_window_straddling_10000_is_rejected_or_truncated_per_switch(self, big: Hub) -> None:
        with pytest.raises(ApiException):
            _search(big, limit=200, after="9900")
        big.sandbox.set_switches(search_straddle="truncate")
        result = _search(big, limit=200, after="9900")
        assert len(result.results) == 100 and result.paging.next.after == "10000"


class TestIndexLag:
    def test_a_new_contact_is_invisible_to_search_until_the_lag_passes(self, hub: Hub) -> None:
        hub.sandbox.set_switches(index_lag_ms=2000)
        created = hub.client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "lag@example.com"})
        )
        flt = [{"property_name": "email", "operator": "EQ", "value": "lag@example.com"}]
        assert _search(hub, flt).total == 0
        assert hub.client.crm.contacts.basic_api.get_by_id(created.id).id == created.id  # reads are immediate
        hub.clock.advance(2000)
        assert _ids(_search(hub, flt)) == [int(created.id)]

    def test_an_update_is_seen_as_the_previous_version_during_the_lag(self, hub: Hub) -> None:
        hub.seed(1, hs_lead_status="NEW")
        hub.sandbox.set_switches(index_lag_ms=500)
        hub.client.crm.contacts.basic_api.update(
            "1", SimplePublicObjectInput(properties={"hs_lead_status": "OPEN"})
        )
        stale = _search(
            hub,
            [{"property_name": "hs_lead_status", "operator": "EQ", "value": "NEW"}],
            properties=["hs_lead_status"],
        )
        assert stale.results[0].properties["hs_lead_status"] == "NEW"
        hub.clock.advance(500)
        fresh = _search(hub, [{"property_name": "hs_lead_status", "operator": "EQ", "value": "OPEN"}])
        assert _ids(fresh) == [1]

    def test_hidden_mode_hides_an_updated_contact_during_the_lag(self, hub: Hub) -> None:
        hub.seed(2)
        hub.sandbox.set_switches(index_lag_ms=500, index_lag_mode="hidden")
        hub.client.crm.contacts.basic_api.update(
            "1", SimplePublicObjectInput(properties={"firstname": "New"})
        )
        assert _ids(_search(hub)) == [2]
        hub.clock.advance(500)
        assert _ids(_search(hub)) == [1, 2]

    def test_an_archived_contact_stays_searchable_during_the_lag(self, hub: Hub) -> None:
        hub.seed(2)
        hub.sandbox.set_switches(index_lag_ms=500)
        hub.client.crm.contacts.basic_api.archive("1")
        assert _ids(_search(hub)) == [1, 2]
        hub.clock.advance(500)
        assert _ids(_search(hub)) == [2]

    def test_lastmodifieddate_window_at_millisecond_granularity(self, hub: Hub) -> None:
        hub.seed(3)
        hub.clock.advance(5)
        api = hub.client.crm.contacts.basic_api
        touched = api.update("2", SimplePublicObjectInput(properties={"firstname": "Moved"}))
        stamp = touched.properties["lastmodifieddate"]
        flt = [{"property_name": "lastmodifieddate", "operator": "GTE", "value": stamp}]
        assert _ids(_search(hub, flt)) == [2]
        assert touched.properties["hs_lastmodifieddate"] == stamp
