"""The sandbox served by its own process (so a benchmark's peak RSS is leadsync's alone), and the environment a
leadsync run reads to talk to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def served_sandbox(leads: int, latency_ms: float = 0.0) -> Iterator[dict[str, Any]]:
    """`leadsync sandbox serve` with `leads` people (provisioned), until the block ends; yields its connection facts."""
    command = [str(Path(sys.executable).parent / "leadsync"), "sandbox", "serve", "--leads", str(leads),
               "--provisioned", "--latency-ms", str(latency_ms), "--definitions", str(REPO / "definitions")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(timeout=30)


def point_environment_at(facts: dict[str, Any], database_url: str) -> None:
    """The LEADSYNC_* variables of a run against the served sandbox, with its own state store."""
    os.environ.update({"LEADSYNC_SALESFORCE_INSTANCE_URL": facts["salesforce"]["instance_url"],
                       "LEADSYNC_SALESFORCE_SESSION_ID": facts["salesforce"]["session_id"],
                       "LEADSYNC_SALESFORCE_CA_BUNDLE": facts["salesforce"]["ca_bundle"],
                       "LEADSYNC_HUBSPOT_BASE_URL": facts["hubspot"]["base_url"],
                       "LEADSYNC_HUBSPOT_ACCESS_TOKEN": facts["hubspot"]["access_token"],
                       "LEADSYNC_DATABASE_URL": database_url, "LEADSYNC_BUDGET_SHARE": "1.0",
                       "LEADSYNC_DEFINITIONS": str(REPO / "definitions")})
