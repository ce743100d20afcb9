"""Shared by the connector benchmarks: emulators loaded with N leads, and connectors pointed at them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from connectors.definition_files import load_definition
from connectors.hubspot.connector import HubSpotConnector
from connectors.ports import TimeWindow
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from mapping.definition.compiled import compile_definition
from mapping.plan import Correction
from sandbox.hubspot import HubSpotSandbox, Switches
from sandbox.salesforce import SalesforceSandbox

COMPILED = compile_definition(load_definition(Path(__file__).resolve().parents[1] / "definitions"))
EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
STATUSES = ["Open - Not Contacted", "Marketing Qualified", "Working - Contacted", "Closed - Converted",
            "Closed - Not Converted"]


@dataclass
class World:
    sf_sandbox: SalesforceSandbox
    hs_sandbox: HubSpotSandbox
    sf: SalesforceConnector
    hs: HubSpotConnector


@contextmanager
def world(leads: int, latency_ms: float = 0.0, hubspot_per_10s: int | None = None) -> Iterator[World]:
    sf_sandbox = SalesforceSandbox(seed=1)
    sf_sandbox.set_lead_statuses(STATUSES)
    sf_sandbox.load_leads({"Id": f"00Q7{n:011d}AAA", "LastName": f"L{n}", "Company": "Acme", "Email": f"p{n}@x.io",
                           "Status": "Open - Not Contacted"} for n in range(leads))
    hs_sandbox = HubSpotSandbox(switches=Switches(limit_per_10s=hubspot_per_10s, daily_limit=None), seed=1)
    base = datetime(2026, 10, 1, tzinfo=UTC)
    hs_sandbox.load_contacts({"id": str(n + 1), "email": f"p{n}@x.io", "lifecyclestage": "lead",
                              "lastmodifieddate": (base + timedelta(seconds=n)).isoformat()} for n in range(leads))
    for sandbox in (sf_sandbox, hs_sandbox):
        sandbox.set_latency(latency_ms)
    with sf_sandbox.serve() as sf_conn, hs_sandbox.serve() as hs_conn:
        os.environ["REQUESTS_CA_BUNDLE"] = str(sf_conn.ca_bundle)
        sf = SalesforceConnector(SalesforceSettings(instance_url=sf_conn.instance_url, session_id=SecretStr(sf_conn.session_id),
                                                    ca_bundle=sf_conn.ca_bundle), COMPILED, budget_share=1.0)
        hs = HubSpotConnector(HubSpotSettings(access_token=SecretStr(hs_conn.access_token), base_url=hs_conn.base_url,
                                              calls_per_10s=hubspot_per_10s or 10_000), COMPILED, budget_share=1.0)
        yield World(sf_sandbox, hs_sandbox, sf, hs)


def corrections(system: str, count: int) -> list[Correction]:
    if system == "salesforce":
        return [Correction(system, f"00Q7{n:011d}AAA", "Status", "Open - Not Contacted", "Marketing Qualified",
                           "inquiry", "mql", "marketing_evidence", "bench", "1") for n in range(count)]
    return [Correction(system, str(n + 1), "lifecyclestage", "lead", "marketingqualifiedlead", "inquiry", "mql",
                       "marketing_evidence", "bench", "1") for n in range(count)]
