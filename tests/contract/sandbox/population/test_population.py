"""The seeded population: deterministic, derived from the definition, streamed, and served to the real clients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest
from simple_salesforce import Salesforce

from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.records import ProblemKind
from sandbox.population import UNMAPPED_VALUE, SeedMix, generate
from tests.conftest import REPO
from tests.factories import EXAMPLE, compiled

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
STOCK = {"Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"}


def test_the_same_seed_gives_the_same_population_and_another_seed_another() -> None:
    first = list(generate(compiled(), 300, seed=1, now=NOW))
    again = list(generate(compiled(), 300, seed=1, now=NOW))
    other = list(generate(compiled(), 300, seed=2, now=NOW))
    assert first == again and first != other


@pytest.mark.parametrize("definition", [compiled(), compiled(EXAMPLE)], ids=["default", "raw-warm-hot"])
def test_every_stage_value_reads_as_a_stage_except_the_deliberately_unmapped(definition) -> None:  # type: ignore[no-untyped-def]
    unmapped: Counter[str] = Counter()
    for lead in generate(definition, 1_000, seed=3, now=NOW):
        records = [normalize_salesforce(r, definition) for r in lead.salesforce]
        if lead.hubspot:
            records.append(normalize_hubspot({"id": lead.hubspot["id"], "properties": lead.hubspot}, definition))
        for record in records:
            for problem in record.problems:
                if problem.kind is ProblemKind.UNMAPPED_STAGE:
                    unmapped[problem.raw or ""] += 1
            assert record.stage is not None or record.problems, record
    assert set(unmapped) == {UNMAPPED_VALUE}


def test_crm_values_stay_within_the_live_picklist() -> None:
    statuses = {r["Status"] for lead in generate(compiled(), 1_000, seed=4, now=NOW, live_statuses=STOCK)
                for r in lead.salesforce}
    assert statuses <= STOCK | {UNMAPPED_VALUE}


def test_the_mix_is_honoured_on_two_thousand_leads() -> None:
    mix = SeedMix()
    categories = Counter(lead.category for lead in generate(compiled(), 2_000, seed=5, now=NOW, mix=mix))
    assert abs(categories["converted"] / 2_000 - mix.converted) < 0.02
    assert abs(categories["mis_staged"] / 2_000 - mix.mis_staged) < 0.03
    assert abs(categories["unworked_past_sla"] / 2_000 - mix.unworked_past_sla) < 0.03
    assert categories["duplicates"] > 0 and categories["unmapped"] > 0


def test_the_generator_streams_in_small_memory() -> None:
    tracemalloc.start()
    for _ in islice(generate(compiled(), 200_000, seed=6, now=NOW), 200_000):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000  # bytes: a stream, not a list of 200,000 leads


def test_the_unmodified_clients_read_what_was_seeded(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    facts = sandbox.facts()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", facts["salesforce"]["ca_bundle"])
    sf = Salesforce(instance_url=facts["salesforce"]["instance_url"], session_id=facts["salesforce"]["session_id"])
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == sandbox.seeded["salesforce_leads"]

    hs = HubSpot(access_token=facts["hubspot"]["access_token"], host=facts["hubspot"]["base_url"])
    page = hs.crm.contacts.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=1))
    assert page.total == sandbox.seeded["hubspot_contacts"]


def test_every_owner_the_population_assigns_is_a_named_user_and_owner(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    facts = sandbox.facts()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", facts["salesforce"]["ca_bundle"])
    sf = Salesforce(instance_url=facts["salesforce"]["instance_url"], session_id=facts["salesforce"]["session_id"])
    owner_ids = {r["OwnerId"] for r in sf.query_all_iter("SELECT OwnerId FROM Lead")}
    quoted = ",".join(f"'{i}'" for i in sorted(owner_ids))
    users = sf.query(f"SELECT Id, Name FROM User WHERE Id IN ({quoted})")["records"]
    assert {u["Id"] for u in users} == owner_ids and all(u["Name"] for u in users)

    hs = HubSpot(access_token=facts["hubspot"]["access_token"], host=facts["hubspot"]["base_url"])
    request = PublicObjectSearchRequest(limit=200, properties=["hubspot_owner_id"])
    assigned = {c.properties["hubspot_owner_id"] for c in hs.crm.contacts.search_api.do_search(request).results}
    owners = {o.id: o for o in hs.crm.owners.owners_api.get_page(limit=500).results}
    assert assigned and assigned <= set(owners) and all(owners[i].first_name for i in assigned)


def test_serve_prints_the_connection_facts_and_stops_on_sigterm() -> None:
    command = [str(Path(sys.executable).parent / "leadsync"), "sandbox", "serve", "--leads", "50"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        facts = json.loads(line)
        assert set(facts) == {"salesforce", "hubspot"}
        sf = facts["salesforce"]
        assert set(sf) == {"instance_url", "username", "password", "security_token", "session_id", "ca_bundle",
                           "consumer_key", "consumer_secret", "refresh_token"}
        assert sf["instance_url"].startswith("https://127.0.0.1:")
        assert set(facts["hubspot"]) == {"base_url", "access_token", "client_id", "client_secret", "refresh_token"}
        refreshed = requests.post(f"{sf['instance_url']}/services/oauth2/token", verify=sf["ca_bundle"], timeout=10,
                                  data={"grant_type": "refresh_token", "client_id": sf["consumer_key"],
                                        "client_secret": sf["consumer_secret"], "refresh_token": sf["refresh_token"]})
        assert refreshed.status_code == 200 and refreshed.json()["access_token"]  # external tools can use the facts
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "export LEADSYNC_HUBSPOT_BASE_URL=" in process.stderr.read()  # type: ignore[union-attr]
    finally:
        process.kill()
