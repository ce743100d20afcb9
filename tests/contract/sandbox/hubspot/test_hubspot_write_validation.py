"""Contract: HubSpot's value checks on write (400 VALIDATION_ERROR naming the property), and old timestamps."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import PropertyCreate

from sandbox.hubspot.timestamps import ManualClock

if TYPE_CHECKING:
    from conftest import Hub


def _problems(error: ApiException) -> list[dict[str, Any]]:
    body = json.loads(error.body)
    assert error.status == 400 and body["category"] == "VALIDATION_ERROR"
    embedded = body["message"].split("Property values were not valid: ", 1)[1]
    return list(json.loads(embedded))


def _create(hub: Hub, **properties: str) -> object:
    return hub.client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties=properties))


@pytest.mark.parametrize("email", ["x' OR Name != '", "no-at-sign.example.com", "a@b", "two@@example.com",
                                   "spaces in@example.com"])
def test_an_invalid_email_is_400_invalid_email(hub: Hub, email: str) -> None:
    with pytest.raises(ApiException) as caught:
        _create(hub, email=email)
    [problem] = _problems(caught.value)
    assert (problem["error"], problem["name"], problem["isValid"]) == ("INVALID_EMAIL", "email", False)
    assert email in problem["message"]
    assert hub.sandbox.contact_count() == 0


@pytest.mark.parametrize("email", ["o'hara@example.com", "first.last+tag@sub.example.co.uk", "UPPER@EXAMPLE.COM"])
def test_valid_emails_are_accepted(hub: Hub, email: str) -> None:
    _create(hub, email=email)
    assert hub.sandbox.contact_count() == 1


def test_an_invalid_email_in_an_update_is_refused_and_nothing_is_written(hub: Hub) -> None:
    hub.seed(1)
    with pytest.raises(ApiException) as caught:
        hub.client.crm.contacts.basic_api.update("1", SimplePublicObjectInput(properties={"email": "not an email"}))
    assert _problems(caught.value)[0]["error"] == "INVALID_EMAIL"
    assert hub.sandbox.contact("1")["properties"]["email"] == "person0@example.com"


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("hubspotscore", "twelve", "INVALID_LONG"),
        ("hubspotscore", "NaN", "INVALID_LONG"),
        ("hs_lead_status", "NOT_A_STATUS", "INVALID_OPTION"),
        ("lifecyclestage", "prospect", "INVALID_OPTION"),
        ("leadsync_sla_due", "next tuesday", "INVALID_DATE"),
    ],
)
def test_type_checks(hub: Hub, name: str, value: str, error: str) -> None:
    with pytest.raises(ApiException) as caught:
        _create(hub, **{name: value})
    [problem] = _problems(caught.value)
    assert (problem["name"], problem["error"]) == (name, error)


def test_numbers_and_datetimes_in_either_form_are_accepted(hub: Hub) -> None:
    _create(hub, hubspotscore="12.5", leadsync_sla_due="1717200000000")
    _create(hub, hubspotscore="-3", leadsync_sla_due="2024-06-01T00:00:00.000Z")
    assert hub.sandbox.contact_count() == 2


def test_date_properties_must_be_midnight_utc(hub: Hub) -> None:
    hub.client.crm.properties.core_api.create(
        "contacts", PropertyCreate(name="trial_end", label="Trial end", type="date", field_type="date",
                                   group_name="contactinformation"))
    _create(hub, email="midnight@example.com", trial_end="1717200000000")  # 2024-06-01T00:00:00Z
    _create(hub, email="iso@example.com", trial_end="2024-06-01")
    with pytest.raises(ApiException) as caught:
        _create(hub, email="noon@example.com", trial_end="1717243200000")  # 12:00 UTC
    [problem] = _problems(caught.value)
    assert (problem["name"], problem["error"]) == ("trial_end", "INVALID_DATE") and "midnight" in problem["message"]


def test_a_batch_with_one_bad_email_is_refused_whole(hub: Hub) -> None:
    hub.seed(2)
    body = BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id="1", properties={"hs_lead_status": "OPEN"}),
        SimplePublicObjectBatchInput(id="2", properties={"email": "bad email"}),
    ])
    with pytest.raises(ApiException) as caught:
        hub.client.crm.contacts.batch_api.update(body)
    assert caught.value.status == 400 and "INVALID_EMAIL" in caught.value.body
    assert "hs_lead_status" not in hub.sandbox.contact("1")["properties"]


def test_timestamps_of_year_one_are_zero_padded(hub: Hub) -> None:
    year_one = ManualClock(start_ms=-62_135_596_800_000)  # 0001-01-01T00:00:00Z
    hub.sandbox.portal.writer.clock = year_one
    created = _create(hub, email="ancient@example.com")
    assert created.properties["createdate"] == "0001-01-01T00:00:00.000Z"  # type: ignore[attr-defined]
    read = hub.client.crm.contacts.basic_api.get_by_id(created.id)  # type: ignore[attr-defined]
    assert read.properties["lastmodifieddate"] == "0001-01-01T00:00:00.000Z"
