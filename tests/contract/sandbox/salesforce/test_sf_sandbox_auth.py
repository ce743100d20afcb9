"""Login flows of unmodified simple-salesforce against the sandbox: SOAP, OAuth password / JWT / client credentials, direct."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed, SalesforceExpiredSession

from sandbox.salesforce import SalesforceConnection, SalesforceSandbox


def _count(sf: Salesforce) -> int:
    return int(sf.query("SELECT COUNT() FROM Lead")["totalSize"])


def test_soap_login_points_the_client_at_the_sandbox(sf_login: Salesforce, conn: SalesforceConnection) -> None:
    assert f"https://{sf_login.sf_instance}" == conn.instance_url
    assert _count(sf_login) == 0


def test_soap_login_with_wrong_password_is_refused(conn: SalesforceConnection, http: requests.Session) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=conn.username, password="nope", security_token=conn.security_token,
                   domain=conn.login_domain, session=http)
    assert caught.value.code == "INVALID_LOGIN"


def test_oauth_password_flow(conn: SalesforceConnection, http: requests.Session) -> None:
    sf = Salesforce(username=conn.username, password=conn.password + conn.security_token,
                    consumer_key=conn.consumer_key, consumer_secret=conn.consumer_secret,
                    domain=conn.login_domain, session=http)
    assert _count(sf) == 0


def test_oauth_password_flow_rejects_a_bad_secret(conn: SalesforceConnection, http: requests.Session) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=conn.username, password=conn.password, consumer_key=conn.consumer_key,
                   consumer_secret="wrong", domain=conn.login_domain, session=http)
    assert caught.value.code == "invalid_client_id"


def test_oauth_jwt_bearer_flow_verifies_the_signature(conn: SalesforceConnection, http: requests.Session) -> None:
    sf = Salesforce(username=conn.username, consumer_key=conn.consumer_key,
                    privatekey=conn.jwt_private_key_pem.decode(), domain=conn.login_domain, session=http)
    assert _count(sf) == 0


def test_oauth_jwt_with_a_foreign_key_is_refused(conn: SalesforceConnection, http: requests.Session) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=conn.username, consumer_key=conn.consumer_key, privatekey=foreign,
                   domain=conn.login_domain, session=http)
    assert caught.value.code == "invalid_grant"


def test_oauth_client_credentials_flow(conn: SalesforceConnection, http: requests.Session) -> None:
    sf = Salesforce(consumer_key=conn.consumer_key, consumer_secret=conn.consumer_secret,
                    domain=conn.login_domain, session=http)
    assert _count(sf) == 0


def test_direct_session(sf: Salesforce) -> None:
    assert _count(sf) == 0


def test_unknown_bearer_token_is_401_invalid_session(conn: SalesforceConnection, http: requests.Session) -> None:
    sf = Salesforce(instance_url=conn.instance_url, session_id="00Dbogus!token", session=http)
    with pytest.raises(SalesforceExpiredSession) as caught:
        _count(sf)
    assert caught.value.status == 401
    assert caught.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expired_sessions_make_a_login_client_log_in_again(sandbox: SalesforceSandbox, sf_login: Salesforce) -> None:
    first = sf_login.session_id
    sandbox.expire_sessions()
    assert _count(sf_login) == 0
    assert sf_login.session_id != first
    assert sandbox.calls.snapshot()["sf.login.soap"] == 2
