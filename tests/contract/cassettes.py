"""vcrpy discipline for connector contract tests: scrubbed both ways, matched without hosts, replayed offline.

Replay (the default, `record_mode="none"`) needs no server. `LEADSYNC_RECORD=1` re-records: against the sandbox
by default, or against a real org and portal when `LEADSYNC_SALESFORCE_*` / `LEADSYNC_HUBSPOT_*` are set.
Tokens, session ids, passwords and email addresses never reach a cassette.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import vcr

CASSETTES = Path(__file__).parent / "cassettes"
PLACEHOLDER_HOST = "https://recorded.invalid"
PLACEHOLDER_TOKEN = "<TOKEN>"
_EMAIL = re.compile(rb"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SESSION = re.compile(rb"00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+")
LOGIN_PATHS = ("/services/Soap/u/", "/services/oauth2/token")  # their bodies carry passwords, keys, assertions
KEPT_RESPONSE_HEADERS = {"content-type", "sforce-limit-info", "sforce-locator", "sforce-numberofrecords",
                         "x-hubspot-ratelimit-daily", "x-hubspot-ratelimit-daily-remaining", "retry-after"}


def recording() -> bool:
    return os.environ.get("LEADSYNC_RECORD") == "1"


def _secret_values() -> list[bytes]:
    """The credentials in this environment, whatever their shape: never written, even where no pattern knows them."""
    markers = ("PASSWORD", "TOKEN", "SECRET", "SESSION_ID")
    return [v.encode() for k, v in os.environ.items() if k.startswith("LEADSYNC_") and k.endswith(markers) and len(v) >= 6]


def _scrub_bytes(body: bytes) -> bytes:
    for secret in _secret_values():
        body = body.replace(secret, b"<SECRET>")
    body = _SESSION.sub(b"<SESSION_ID>", body)
    return _EMAIL.sub(lambda m: b"person-" + str(abs(hash(m.group(0))) % 10_000).encode() + b"@example.invalid", body)


def _as_bytes(body: Any) -> bytes:
    return body if isinstance(body, bytes) else str(body or "").encode()


def _before_record_request(request: Any) -> Any:
    if any(path in request.uri for path in LOGIN_PATHS):
        return None  # a login is never recorded: replay starts from a session and never logs in
    request.uri = re.sub(r"^https?://[^/]+", PLACEHOLDER_HOST, request.uri)
    for header in list(request.headers):
        if header.lower() in ("authorization", "cookie"):
            request.headers[header] = PLACEHOLDER_TOKEN
    if request.body:
        request.body = _scrub_bytes(_as_bytes(request.body))
    return request


def _before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() in KEPT_RESPONSE_HEADERS}
    body = response.get("body", {})
    if body.get("string"):
        body["string"] = _scrub_bytes(_as_bytes(body["string"]))
    return response


def _path_and_query(a: Any, b: Any) -> None:
    assert a.method == b.method and a.path == b.path and sorted(a.query) == sorted(b.query)


def cassette_vcr() -> vcr.VCR:
    config = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if recording() else "none",
        before_record_request=_before_record_request,
        before_record_response=_before_record_response,
        decode_compressed_response=True,
    )
    config.register_matcher("path_and_query", _path_and_query)
    config.match_on = ("path_and_query",)
    return config


def played(cassette: Any) -> int:
    """How many recorded interactions a test used; a contract test that plays none is a unit test."""
    return int(cassette.play_count) if not recording() else len(cassette.data)


def pretty(path: Path) -> str:
    return json.dumps(path.read_text()[:200])
