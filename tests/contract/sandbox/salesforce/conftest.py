"""Fixtures: one HTTPS Salesforce sandbox per session, reset before each test, and unmodified simple-salesforce clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceConnection, SalesforceSandbox


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[SalesforceSandbox, SalesforceConnection]]:
    sandbox = SalesforceSandbox()
    with sandbox.serve() as connection:
        yield sandbox, connection


@pytest.fixture
def sandbox(served: tuple[SalesforceSandbox, SalesforceConnection], monkeypatch: pytest.MonkeyPatch) -> SalesforceSandbox:
    sandbox, connection = served
    sandbox.reset()
    # zeep (mdapi) builds its own requests.Session; requests honours this variable for every session it creates.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(connection.ca_bundle))
    return sandbox


@pytest.fixture
def conn(served: tuple[SalesforceSandbox, SalesforceConnection], sandbox: SalesforceSandbox) -> SalesforceConnection:
    return served[1]


@pytest.fixture
def http(conn: SalesforceConnection) -> Iterator[requests.Session]:
    session = requests.Session()
    session.verify = str(conn.ca_bundle)
    yield session
    session.close()


@pytest.fixture
def sf(conn: SalesforceConnection, http: requests.Session) -> Salesforce:
    """A direct-session client (no re-login possible)."""
    return Salesforce(instance_url=conn.instance_url, session_id=conn.session_id, session=http)


@pytest.fixture
def sf_login(conn: SalesforceConnection, http: requests.Session) -> Salesforce:
    """A SOAP-login client, which re-logs in on INVALID_SESSION_ID."""
    return Salesforce(
        username=conn.username,
        password=conn.password,
        security_token=conn.security_token,
        domain=conn.login_domain,
        session=http,
    )


def lead_rows(count: int, **extra: object) -> Iterator[dict[str, object]]:
    """Plain lead dicts, as a seed generator would stream them."""
    statuses = ("Open - Not Contacted", "Working - Contacted")
    for i in range(count):
        yield {"FirstName": f"F{i}", "LastName": f"Lead{i:05d}", "Company": f"Co{i % 7}",
               "Email": f"lead{i}@example.com", "Status": statuses[i % 2],
               "CreatedDate": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"} | extra
