"""Contract: batch contact routes — envelopes, 201/207, the 100-input limit (hubspot.md §2.5–2.9)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)

if TYPE_CHECKING:
    from conftest import Hub


def _read(ids: list[str], **kwargs: object) -> BatchReadInputSimplePublicObjectId:
    return BatchReadInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids], **kwargs)


def _updates(pairs: list[tuple[str, dict[str, str]]]) -> BatchInputSimplePublicObjectBatchInput:
    return BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=i, properties=p) for i, p in pairs]
    )


class TestBatchRead:
    def test_all_found_is_200_complete(self, hub: Hub) -> None:
        hub.seed(3)
        result, status, _ = hub.client.crm.contacts.batch_api.read_with_http_info(
            _read(["1", "3"], properties=["email"])
        )
        assert status == 200 and result.status == "COMPLETE"
        assert sorted(c.id for c in result.results) == ["1", "3"]
        assert result.started_at <= result.completed_at

    def test_unknown_ids_give_207_with_object_not_found(self, hub: Hub) -> None:
        hub.seed(2)
        result, status, _ = hub.client.crm.contacts.batch_api.read_with_http_info(_read(["1", "998", "999"]))
        assert status == 207 and result.num_errors == 1
        error = result.errors[0]
        assert error.category == "OBJECT_NOT_FOUND" and error.context == {"ids": ["998", "999"]}
        assert [c.id for c in result.results] == ["1"]

    def test_read_by_email_with_history(self, hub: Hub) -> None:
        hub.seed(2)
        result = hub.client.crm.contacts.batch_api.read(
            _read(
                ["person1@example.com"],
                id_property="email",
                properties=["email"],
                properties_with_history=["email"],
            )
        )
        contact = result.results[0]
        assert (
            contact.id == "2" and contact.properties_with_history["email"][0].value == "person1@example.com"
        )

    def test_101_inputs_are_400_and_100_are_fine(self, hub: Hub) -> None:
        hub.seed(100)
        api = hub.client.crm.contacts.batch_api
        assert len(api.read(_read([str(n) for n in range(1, 101)])).results) == 100
        with pytest.raises(ApiException) as caught:
            api.read(_read([str(n) for n in range(1, 102)]))
        assert caught.value.status == 400
        assert json.loads(caught.value.body)["category"] == "VALIDATION_ERROR"

    def test_history_reads_take_at_most_50_inputs(self, hub: Hub) -> None:
        hub.seed(51)
        api = hub.client.crm.contacts.batch_api
        ids = [str(n) for n in range(1, 52)]
        assert len(api.read(_read(ids[:50], properties_with_history=["email"])).results) == 50
        with pytest.raises(ApiException) as caught:
            api.read(_read(ids, properties_with_history=["email"]))
        assert caught.value.status == 400


class TestBatchWrites:
    def test_create_is_exactly_201(self, hub: Hub) -> None:
        body = BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(properties={"email": f"b{n}@example.com"})
                for n in range(3)
            ]
        )
        result, status, _ = hub.client.crm.contacts.batch_api.create_with_http_info(body)
        assert status == 201 and len(result.results) == 3
        assert hub.sandbox.contact_count() == 3

    def test_create_with_an_existing_email_is_409_for_the_whole_request(self, hub: Hub) -> None:
        hub.seed(1)
        body = BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(properties={"email": e})
                for e in ("x@example.com", "person0@example.com")
            ]
        )
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.batch_api.create(body)
        assert caught.value.status == 409 and hub.sandbox.contact_count() == 1

    def test_update_is_200_and_missing_ids_are_207(self, hub: Hub) -> None:
        hub.seed(2)
        api = hub.client.crm.contacts.batch_api
        result, status, _ = api.update_with_http_info(_updates([("1", {"hs_lead_status": "OPEN"})]))
        assert status == 200 and result.results[0].properties["hs_lead_status"] == "OPEN"
        result, status, _ = api.update_with_http_info(
            _updates([("2", {"hs_lead_status": "CONNECTED"}), ("77", {"hs_lead_status": "OPEN"})])
        )
        assert status == 207 and result.errors[0].context == {"ids": ["77"]}
        assert hub.sandbox.contact("2")["properties"]["hs_lead_status"] == "CONNECTED"

    def test_one_invalid_value_fails_the_whole_update_with_400(self, hub: Hub) -> None:
        hub.seed(2)
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.batch_api.update(
                _updates([("1", {"hs_lead_status": "OPEN"}), ("2", {"hs_lead_status": "BOGUS"})])
            )
        assert caught.value.status == 400
        assert "hs_lead_status" not in hub.sandbox.contact("1")["properties"]

    def test_update_keyed_by_email_is_refused(self, hub: Hub) -> None:
        hub.seed(1)
        body = BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(
                    id="person0@example.com", id_property="email", properties={"firstname": "Z"}
                )
            ]
        )
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.batch_api.update(body)
        assert caught.value.status == 400

    def test_101_updates_are_400(self, hub: Hub) -> None:
        hub.seed(101)
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.batch_api.update(
                _updates([(str(n), {"firstname": "x"}) for n in range(1, 102)])
            )
        assert caught.value.status == 400 and hub.sandbox.calls.snapshot()["hs.contacts.batch_update"] == 1

    def test_upsert_by_email_marks_new_and_existing(self, hub: Hub) -> None:
        hub.seed(1)
        body = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": "U"}
                )
                for email in ("person0@example.com", "fresh@example.com")
            ]
        )
        result, status, _ = hub.client.crm.contacts.batch_api.upsert_with_http_info(body)
        assert status == 200
        by_email = {c.properties["email"]: c for c in result.results}
        assert by_email["person0@example.com"].new is False and by_email["person0@example.com"].id == "1"
        assert by_email["fresh@example.com"].new is True

    def test_duplicate_ids_in_one_upsert_are_400(self, hub: Hub) -> None:
        body = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": "D"}
                )
                for email in ("dup@example.com", "DUP@example.com")
            ]
        )
        with pytest.raises(ApiException) as caught:
            hub.client.crm.contacts.batch_api.upsert(body)
        assert caught.value.status == 400 and hub.sandbox.contact_count() == 0

    def test_archive_is_204(self, hub: Hub) -> None:
        hub.seed(2)
        body = BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id="1")])
        _, status, _ = hub.client.crm.contacts.batch_api.archive_with_http_info(body)
        assert status == 204 and hub.sandbox.contact("1")["archived"] is True
