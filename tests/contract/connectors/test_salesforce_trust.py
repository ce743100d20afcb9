"""The sandbox's CA is trusted by the Salesforce connector's own sessions (REST and Metadata), never by the process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import SalesforceSettings
from mapping.stage_diff import diff_stages
from sandbox.salesforce import SalesforceSandbox
from tests.contract.connectors.conftest import DEFAULT


@pytest.fixture
def untrusted_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SalesforceSandbox, Any]]:
    """A sandbox served over TLS while nothing in the environment trusts its CA."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    sandbox = SalesforceSandbox(seed=5)
    with sandbox.serve() as connection:
        yield sandbox, connection


def _connector(connection: Any) -> SalesforceConnector:
    settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                  ca_bundle=connection.ca_bundle)
    return SalesforceConnector(settings, DEFAULT)


def test_provisioning_over_the_metadata_api_trusts_the_ca_without_touching_the_process(untrusted_sandbox) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = untrusted_sandbox
    environ = dict(os.environ)
    connector = _connector(connection)
    try:
        live = connector.picklist.read_picklist("Status")  # REST
        diff = diff_stages(DEFAULT, "salesforce", "Status", live)
        assert not diff.empty
        assert connector.picklist.add_picklist_values(diff).ok  # Metadata API (zeep's own transport)
    finally:
        connector.close()

    statuses = {status.full_name for status in sandbox.lead_statuses()}
    assert {value.value for value in diff.to_add} <= statuses
    assert dict(os.environ) == environ
    assert requests.Session().merge_environment_settings(connection.instance_url, {}, None, None, None)["verify"] is True
    with pytest.raises(requests.exceptions.SSLError):  # another requests user in the worker keeps the system trust
        requests.get(f"{connection.instance_url}/services/data/", timeout=10)
