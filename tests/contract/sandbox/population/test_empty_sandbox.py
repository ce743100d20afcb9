"""An empty sandbox has no records but the whole schema its definition maps, so the definition runs as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from connectors.hubspot.connector import HubSpotConnector
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from flows.cli.app import app
from mapping.definition.compiled import CompiledDefinition
from sandbox.launch import SandboxHandle, run_sandbox
from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS
from tests.factories import compiled


def _connectors(handle: SandboxHandle, definition: CompiledDefinition) -> tuple[SalesforceConnector, HubSpotConnector]:
    salesforce = SalesforceSettings(instance_url=handle.sf.instance_url, session_id=handle.sf.session_id,
                                    ca_bundle=handle.sf.ca_bundle)
    hubspot = HubSpotSettings(access_token=handle.hs.access_token, base_url=handle.hs.base_url)
    return SalesforceConnector(salesforce, definition), HubSpotConnector(hubspot, definition)


@pytest.mark.parametrize("directory", [DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS / "raw-warm-hot"], ids=["default", "raw-warm-hot"])
def test_an_empty_sandbox_has_every_field_its_definition_maps_and_no_records(directory: Path) -> None:
    definition = compiled(directory)
    with run_sandbox(definition=definition, empty=True) as handle:
        salesforce, hubspot = _connectors(handle, definition)
        try:
            assert salesforce.source.fields and salesforce.source.missing_fields == ()
            assert salesforce.source.find_by_emails(["nobody@example.com"]) == []  # every mapped field is queryable
            assert set(definition.systems["hubspot"].raw_fields) <= set(hubspot.source.describe_fields())
        finally:
            salesforce.close()
            hubspot.close()
        assert not list(handle.salesforce.records("Lead")) and handle.hubspot.contact_count() == 0


def test_the_default_definition_runs_on_a_fresh_empty_sandbox_with_records_made_by_the_unmodified_clients(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with run_sandbox(definition=compiled(DEFAULT_DEFINITIONS), empty=True) as handle:
        session = requests.Session()
        session.verify, session.trust_env = str(handle.sf.ca_bundle), False  # trust_env: REQUESTS_CA_BUNDLE would win
        sf = Salesforce(instance_url=handle.sf.instance_url, session_id=handle.sf.session_id, session=session)
        sf.Lead.create({"LastName": "Lovelace", "Company": "Engines", "Email": "ada@example.com", "Budget__c": "50k",
                        "Authority__c": "CTO", "Need__c": "yes", "Timeline__c": "Q3", "Leadsync_Lock__c": False})
        grace = sf.Lead.create({"LastName": "Hopper", "Company": "Navy", "Email": "grace@example.com"})["id"]
        hs = HubSpot(access_token=handle.hs.access_token, host=handle.hs.base_url)
        hs.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={
            "email": "grace@example.com", "lifecyclestage": "lead", "hubspotscore": "80"}))
        for name, value in {**handle.env(), "LEADSYNC_DATABASE_URL": f"sqlite:///{tmp_path}/state.db",
                            "LEADSYNC_DEFINITIONS": str(DEFAULT_DEFINITIONS)}.items():
            monkeypatch.setenv(name, value)

        result = CliRunner().invoke(app, ["plan", "--json"])

    assert result.exit_code == 0, result.output
    corrections = json.loads(result.stdout)["corrections"]
    lifted = [c for c in corrections if c["record_id"] == grace]
    assert [(c["stage_after"], c["after"]) for c in lifted] == [("mql", "Marketing Qualified")], corrections
    assert "lead score ≥ 50 (80)" in lifted[0]["reason"]  # the score property was read
