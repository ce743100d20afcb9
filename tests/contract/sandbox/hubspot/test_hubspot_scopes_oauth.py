"""Contract: the sandbox's app reads every standard object and writes contacts only (writing another object's
properties answers 403 MISSING_SCOPES, as a real portal answers an app without the scope), and HubSpot's OAuth
refresh grant and token metadata for that app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from sandbox.hubspot.oauth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN

if TYPE_CHECKING:
    from conftest import Hub


def _get(hub: Hub, path: str, token: str | None = None) -> requests.Response:
    return requests.get(f"{hub.served.base_url}{path}", timeout=5,
                        headers={"Authorization": f"Bearer {token or hub.served.access_token}"})


def _refresh(hub: Hub, **changes: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET,
            "refresh_token": DEFAULT_REFRESH_TOKEN} | changes
    return requests.post(f"{hub.served.base_url}/oauth/v1/token", data=form, timeout=5)


@pytest.mark.parametrize(("object_type", "scope"), [
    ("deals", "crm.schemas.deals.write"),
    ("0-2", "crm.schemas.companies.write"),
    ("calls", "crm.schemas.calls.write"),
])
def test_writing_another_objects_properties_answers_missing_scopes(hub: Hub, object_type: str, scope: str) -> None:
    answer = requests.post(f"{hub.served.base_url}/crm/v3/properties/{object_type}", timeout=5,
                           json={"name": "x", "label": "X", "type": "string", "fieldType": "text", "groupName": "g"},
                           headers={"Authorization": f"Bearer {hub.served.access_token}"})
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 403 and body["category"] == "MISSING_SCOPES"
    assert scope in body["errors"][0]["context"]["requiredGranularScopes"]
    assert body["message"].startswith("This app hasn't been granted all required scopes")


def test_contact_properties_stay_readable_and_unknown_types_are_refused(hub: Hub) -> None:
    assert _get(hub, "/crm/v3/properties/contacts").status_code == 200
    unknown = _get(hub, "/crm/v3/properties/spaceships")
    assert unknown.status_code == 400 and unknown.json()["category"] == "VALIDATION_ERROR"


def test_refresh_grant_issues_a_token_the_api_accepts(hub: Hub) -> None:
    hub.seed(2)
    tokens = _refresh(hub).json()
    assert set(tokens) == {"token_type", "refresh_token", "access_token", "expires_in"}
    assert tokens["expires_in"] == 1800 and tokens["refresh_token"] == DEFAULT_REFRESH_TOKEN
    page = _get(hub, "/crm/v3/objects/contacts?limit=10", tokens["access_token"])
    assert page.status_code == 200 and len(page.json()["results"]) == 2
    assert _get(hub, "/crm/v3/objects/contacts", "CLnot-issued").status_code == 401


def test_token_metadata_lists_the_granted_scopes(hub: Hub) -> None:
    token = _refresh(hub).json()["access_token"]
    info = requests.get(f"{hub.served.base_url}/oauth/v1/access-tokens/{token}", timeout=5).json()
    assert info["token"] == token and info["hub_id"] == hub.sandbox.portal_id and info["token_type"] == "access"
    assert {"crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read",
            "crm.objects.companies.read", "crm.schemas.companies.read", "crm.objects.deals.read",
            "crm.schemas.deals.read", "tickets", "e-commerce"} <= set(info["scopes"])
    assert "crm.objects.deals.write" not in info["scopes"] and info["scopes"] == sorted(info["scopes"])
    missing = requests.get(f"{hub.served.base_url}/oauth/v1/access-tokens/CLunknown", timeout=5)
    assert missing.status_code == 404
    assert hub.sandbox.calls.snapshot() == {"hs.oauth.token": 1, "hs.oauth.token_info": 2}


@pytest.mark.parametrize(("change", "status"), [
    ({"client_id": "someone-else"}, "BAD_CLIENT_ID"),
    ({"client_secret": "wrong"}, "BAD_CLIENT_SECRET"),
    ({"refresh_token": "na1-revoked"}, "BAD_REFRESH_TOKEN"),
    ({"grant_type": "password"}, "BAD_GRANT_TYPE"),
])
def test_refresh_grant_refuses_wrong_credentials(hub: Hub, change: dict[str, str], status: str) -> None:
    answer = _refresh(hub, **change)
    assert answer.status_code == 400 and answer.json()["status"] == status
