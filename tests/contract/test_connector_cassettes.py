"""Contract tests replaying recorded traffic of every connector operation (offline; see tests/contract/cassettes.py).

Re-record with `LEADSYNC_RECORD=1 .venv/bin/python -m pytest tests/contract/test_connector_cassettes.py`: against the
sandbox by default, or against a real sandbox org and portal when LEADSYNC_SALESFORCE_* / LEADSYNC_HUBSPOT_* are set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.hubspot.connector import HubSpotConnector
from connectors.ports import TimeWindow
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from mapping.plan import Correction
from tests.contract.cassettes import PLACEHOLDER_HOST, cassette_vcr, played, recording
from tests.factories import compiled

DEFAULT = compiled()
WINDOW = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


@contextmanager
def _systems() -> Iterator[tuple[SalesforceConnector, HubSpotConnector]]:
    """Live connectors while recording (sandbox unless real credentials are set); placeholders on replay."""
    if not recording():
        sf = SalesforceSettings(instance_url=PLACEHOLDER_HOST, session_id="<SESSION_ID>")
        hs = HubSpotSettings(access_token="<TOKEN>", base_url=PLACEHOLDER_HOST, search_calls_per_s=1000)
        yield SalesforceConnector(sf, DEFAULT), HubSpotConnector(hs, DEFAULT)
        return
    if os.environ.get("LEADSYNC_SALESFORCE_INSTANCE_URL") or os.environ.get("LEADSYNC_SALESFORCE_USERNAME"):
        yield SalesforceConnector(SalesforceSettings(), DEFAULT), HubSpotConnector(HubSpotSettings(), DEFAULT)
        return
    from sandbox.launch import run_sandbox

    with run_sandbox(leads=300, seed=21, provisioned=True, now=datetime(2026, 11, 23, tzinfo=UTC)) as handle:
        facts = handle.facts()
        sf = SalesforceSettings(instance_url=facts["salesforce"]["instance_url"],
                                session_id=facts["salesforce"]["session_id"], ca_bundle=facts["salesforce"]["ca_bundle"])
        hs = HubSpotSettings(access_token=facts["hubspot"]["access_token"], base_url=facts["hubspot"]["base_url"])
        yield SalesforceConnector(sf, DEFAULT), HubSpotConnector(hs, DEFAULT)


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    with cassette_vcr().use_cassette(f"{request.node.name}.yaml") as recorded:
        yield recorded
    assert played(recorded) > 0, "this cassette played no request: it would be a unit test"


def test_salesforce_pull_window_and_evidence(cassette: Any) -> None:
    with _systems() as (sf, _):
        assert sf.source.count_changed(WINDOW) > 0
        pages = list(sf.source.iter_changed(WINDOW))
        ids = [r["Id"] for r in pages[0][:50]]
        evidence = sf.source.read_evidence(ids)
    assert sum(len(p) for p in pages) > 100 and all("Status" in r for r in pages[0])
    assert evidence.history


def test_salesforce_apply_corrections_with_a_failing_record(cassette: Any) -> None:
    with _systems() as (sf, _):
        ids = [r["Id"] for r in next(sf.source.iter_changed(WINDOW)) if not r["IsConverted"]][:5]
        corrections = [Correction("salesforce", i, "Status", None, "Marketing Qualified", None, "mql",
                                  "marketing_evidence", "recorded", "1") for i in [*ids, "00Q900000000000AAA"]]
        outcomes = sf.writer.apply_corrections(corrections)
        held = sf.writer.read_stage_values(ids)
    assert [o.ok for o in outcomes] == [True] * 5 + [False]
    assert {values["Status"] for values in held.values()} == {"Marketing Qualified"}


def test_salesforce_lead_statuses_read(cassette: Any) -> None:
    with _systems() as (sf, _):
        values = [v.value for v in sf.picklist.read_picklist("Status")]
    assert "Open - Not Contacted" in values and "Marketing Qualified" in values


def test_hubspot_pull_window_and_batch_read(cassette: Any) -> None:
    with _systems() as (_, hs):
        pages = list(hs.source.iter_changed(WINDOW))
        ids = [c["id"] for c in pages[0][:20]]
        read = hs.source.read_records(ids)
    assert sum(len(p) for p in pages) > 100 and len(read) == 20
    assert all("lifecyclestage" in c["properties"] for c in read)


def test_hubspot_batch_update_with_a_failing_record(cassette: Any) -> None:
    with _systems() as (_, hs):
        ids = [c["id"] for c in next(hs.source.iter_changed(WINDOW))[:3]]
        corrections = [Correction("hubspot", i, "hs_lead_status", None, "IN_PROGRESS", None, "sal", "sales_decides",
                                  "recorded", "1") for i in [*ids, "99999999"]]
        outcomes = hs.writer.apply_corrections(corrections)
    assert [o.ok for o in outcomes] == [True, True, True, False]


def test_hubspot_property_options_read(cassette: Any) -> None:
    with _systems() as (_, hs):
        values = [v.value for v in hs.picklist.read_picklist("hs_lead_status")]
    assert {"NEW", "IN_PROGRESS", "UNQUALIFIED"} <= set(values)


def test_salesforce_owner_names_read(cassette: Any) -> None:
    with _systems() as (sf, _):
        leads = next(sf.api.query_pages("SELECT OwnerId FROM Lead ORDER BY Id LIMIT 50"))
        owners = sorted({str(r["OwnerId"]) for r in leads})
        names = sf.owners.read_owner_names(owners)
    assert names and set(names) <= set(owners) and all(names.values())


def test_hubspot_owner_names_read(cassette: Any) -> None:
    with _systems() as (_, hs):
        listed = hs.api.run("owners", lambda timeout: hs.api.owners_api.get_page_with_http_info(
            limit=5, _request_timeout=timeout))
        ids = [str(owner.id) for owner in listed.results]
        names = hs.owners.read_owner_names([*ids, "1"])  # "1": an owner id no portal has
    assert ids and set(names) == set(ids) and all(names.values())


def test_window_literal_is_stable() -> None:
    assert WINDOW.end - WINDOW.start > timedelta(days=365)
