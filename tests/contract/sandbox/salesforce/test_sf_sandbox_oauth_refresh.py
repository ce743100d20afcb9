"""OAuth 2.0 refresh-token flow and the web-server flow that issues refresh tokens, over the real wire."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceConnection, SalesforceSandbox

TOKEN_KEYS = {"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"}


def _token(http: requests.Session, conn: SalesforceConnection, **form: str) -> requests.Response:
    return http.post(f"{conn.instance_url}/services/oauth2/token", data=form)


def _refresh(http: requests.Session, conn: SalesforceConnection, token: str, **extra: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "client_id": conn.consumer_key, "client_secret": conn.consumer_secret,
            "refresh_token": token} | extra
    return _token(http, conn, **form)


def _count(conn: SalesforceConnection, http: requests.Session, access_token: str) -> int:
    sf = Salesforce(instance_url=conn.instance_url, session_id=access_token, session=http)
    return int(sf.query("SELECT COUNT() FROM Lead")["totalSize"])


def test_seeded_refresh_token_gets_a_working_access_token(conn: SalesforceConnection, http: requests.Session) -> None:
    answer = _refresh(http, conn, conn.refresh_token)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == TOKEN_KEYS and "refresh_token" not in body
    assert (body["instance_url"], body["token_type"]) == (conn.instance_url, "Bearer")
    assert body["issued_at"].isdigit() and body["id"].startswith(f"{conn.instance_url}/id/00D")
    assert _count(conn, http, body["access_token"]) == 0


def test_bad_refresh_token_is_400_invalid_grant(conn: SalesforceConnection, http: requests.Session) -> None:
    answer = _refresh(http, conn, "5Aep861not-a-token")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant" and answer.json()["error_description"]


def test_wrong_client_secret_is_refused(conn: SalesforceConnection, http: requests.Session) -> None:
    answer = _refresh(http, conn, conn.refresh_token, client_secret="wrong")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client")
    answer = _refresh(http, conn, conn.refresh_token, client_id="3MVGunknown")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client_id")


def test_web_server_flow_issues_a_refresh_token_that_works(conn: SalesforceConnection, http: requests.Session) -> None:
    redirect = "https://tool.example/callback"
    approved = http.get(f"{conn.instance_url}/services/oauth2/authorize", allow_redirects=False,
                        params={"response_type": "code", "client_id": conn.consumer_key, "redirect_uri": redirect,
                                "state": "xyz"})
    assert approved.status_code == 302
    location = urlsplit(approved.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect and query["state"] == ["xyz"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "client_id": conn.consumer_key,
            "client_secret": conn.consumer_secret, "redirect_uri": redirect}
    tokens = _token(http, conn, **form).json()
    assert set(tokens) == TOKEN_KEYS | {"refresh_token"}
    assert _token(http, conn, **form).json()["error"] == "invalid_grant"  # a code is exchanged once
    renewed = _refresh(http, conn, tokens["refresh_token"]).json()
    assert renewed["access_token"] != tokens["access_token"]
    assert _count(conn, http, renewed["access_token"]) == 0


def test_refresh_works_after_sessions_expire(sandbox: SalesforceSandbox, conn: SalesforceConnection,
                                             http: requests.Session) -> None:
    sandbox.expire_sessions()
    fresh = _refresh(http, conn, conn.refresh_token).json()["access_token"]
    assert _count(conn, http, fresh) == 0


def test_password_flow_issues_no_refresh_token(conn: SalesforceConnection, http: requests.Session) -> None:
    body = _token(http, conn, grant_type="password", client_id=conn.consumer_key, client_secret=conn.consumer_secret,
                  username=conn.username, password=conn.password + conn.security_token).json()
    assert "access_token" in body and "refresh_token" not in body
