"""Salesforce sends canonical-case header names; checked on the raw HTTP/1.1 wire with `http.client`."""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

from sandbox.salesforce import SalesforceConnection


def _raw_headers(conn: SalesforceConnection, path: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    address = urlsplit(conn.instance_url)
    context = ssl.create_default_context(cafile=str(conn.ca_bundle))
    client = http.client.HTTPSConnection(address.hostname or "", address.port, context=context, timeout=10)
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        response.read()
        return response.status, [name for name, _ in response.getheaders()]
    finally:
        client.close()


def test_rest_response_header_names_are_canonical(conn: SalesforceConnection) -> None:
    status, names = _raw_headers(conn, "/services/data/v59.0/limits/", {"Authorization": f"Bearer {conn.session_id}"})
    assert status == 200
    assert {"Content-Type", "Sforce-Limit-Info", "Content-Length", "Date"} <= set(names)
    assert all(name[0].isupper() for name in names), names
    assert "server" not in {name.lower() for name in names}  # no uvicorn banner


def test_error_and_bulk_header_names_are_canonical(conn: SalesforceConnection) -> None:
    status, names = _raw_headers(conn, "/services/data/v59.0/query/?q=SELECT+Id+FROM+Lead", {})
    assert status == 401 and {"Content-Type", "Sforce-Limit-Info"} <= set(names)
    assert all(name[0].isupper() for name in names), names
