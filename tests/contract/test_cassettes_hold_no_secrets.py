"""Every cassette is scrubbed: no token, session id, password, real email address or sandbox host in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.salesforce.context import Credentials
from tests.contract.cassettes import CASSETTES

FILES = sorted(CASSETTES.rglob("*.yaml"))
KNOWN_SECRETS = [Credentials().password, Credentials().security_token, Credentials().session_id,
                 Credentials().consumer_secret, "pat-na1-sandbox-token"]
SHAPES = {
    "bearer token": re.compile(r"Bearer (?!<TOKEN>)\S+"),
    "Salesforce session id": re.compile(r"00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+"),
    "HubSpot private-app token": re.compile(r"pat-(na|eu)\d-[0-9a-f-]{8,}"),
    "email address": re.compile(r"[A-Za-z0-9._%+'-]+@(?!example\.invalid)[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "local host": re.compile(r"127\.0\.0\.1|localhost"),
}


def test_there_are_cassettes_to_check() -> None:
    assert len(FILES) >= 6


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CASSETTES)) for p in FILES])
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text()
    for secret in KNOWN_SECRETS:
        assert secret not in text, f"{path.name} holds a sandbox secret"
    for name, shape in SHAPES.items():
        assert not shape.search(text), f"{path.name} holds a {name}: {shape.search(text).group(0)[:12]}…"  # type: ignore[union-attr]
