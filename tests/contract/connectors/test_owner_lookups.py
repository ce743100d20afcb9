"""What each vendor's owner lookup does beyond the OwnerDirectory contract (tests/contract/ports): Salesforce names
inactive users and never asks for queues; HubSpot looks among archived owners; both go through the retries, the
limiter and the budget."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.errors import BudgetExhaustedError
from connectors.hubspot.connector import HubSpotConnector
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import SalesforceSettings
from sandbox.runtime import Fault, FaultKind
from tests.contract.connectors.conftest import DEFAULT
from tests.contract.ports.worlds import HUBSPOT, SALESFORCE, add_hubspot_owners, add_salesforce_users, hubspot_settings

sf_user_id, hs_owner_id = SALESFORCE.owner_id_of, HUBSPOT.owner_id_of


def _sf_connector(connection: Any) -> SalesforceConnector:
    settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                  ca_bundle=connection.ca_bundle)
    return SalesforceConnector(settings, DEFAULT)


def _sf_queries(sandbox: Any) -> int:
    calls = sandbox.calls.snapshot()
    return int(calls.get("sf.query", 0) + calls.get("sf.query_more", 0))


def _hs_connector(served: Any) -> HubSpotConnector:
    return HubSpotConnector(hubspot_settings(served), DEFAULT)


def _hs_owner_calls(sandbox: Any) -> int:
    return int(sandbox.calls.snapshot().get("hs.owners.list", 0))


def test_salesforce_names_inactive_users_and_never_asks_for_queues_or_malformed_ids(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    add_salesforce_users(sandbox, {sf_user_id(1): "Ada Lovelace"})
    add_salesforce_users(sandbox, {sf_user_id(2): "Left Company"}, active=False)  # a deactivated user keeps the name
    connector = _sf_connector(connection)
    sandbox.calls.reset()

    names = connector.owners.read_owner_names([sf_user_id(1), sf_user_id(2), "00G5g000000AbCdEAI", "x' OR Id != '"])

    assert names == {sf_user_id(1): "Ada Lovelace", sf_user_id(2): "Left Company"}
    assert _sf_queries(sandbox) == 1
    assert connector.owners.read_owner_names(["00G5g000000AbCdEAI"]) == {} and _sf_queries(sandbox) == 1


def test_salesforce_owner_reads_are_retried_and_counted_against_the_budget(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    add_salesforce_users(sandbox, {sf_user_id(1): "Ada Lovelace"})
    connector = _sf_connector(connection)
    sandbox.inject(Fault("sf.query", FaultKind.RATE_LIMIT, nth=1, delay_s=0.1))

    assert connector.owners.read_owner_names([sf_user_id(1)]) == {sf_user_id(1): "Ada Lovelace"}
    assert sandbox.faults.injected[FaultKind.RATE_LIMIT.value] == 1 and connector.budget.calls == 2


def test_hubspot_looks_among_archived_owners_only_for_ids_still_unnamed(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    add_hubspot_owners(sandbox, {hs_owner_id(1): "Ada Lovelace"})
    add_hubspot_owners(sandbox, {hs_owner_id(2): "Left Company"}, archived=True)  # a deactivated user's owner
    connector = _hs_connector(served)
    sandbox.calls.reset()

    assert connector.owners.read_owner_names([hs_owner_id(1)]) == {hs_owner_id(1): "Ada Lovelace"}
    assert _hs_owner_calls(sandbox) == 1
    names = connector.owners.read_owner_names([hs_owner_id(1), hs_owner_id(2)])
    assert names == {hs_owner_id(1): "Ada Lovelace", hs_owner_id(2): "Left Company"}
    assert _hs_owner_calls(sandbox) == 3  # the active page, then the archived page


def test_hubspot_shows_an_owner_without_a_name_by_email(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.add_owners([{"id": hs_owner_id(1), "email": "ops@corp.example"}])
    assert _hs_connector(served).owners.read_owner_names([hs_owner_id(1)]) == {hs_owner_id(1): "ops@corp.example"}


def test_hubspot_owner_reads_go_through_the_limiter_retries_and_budget(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    add_hubspot_owners(sandbox, {hs_owner_id(1): "Ada Lovelace"})
    # without Retry-After (urllib3 itself retries a GET's 429 that names a wait): leadsync's retry policy answers
    sandbox.inject("hs.owners.list", "rate_limit_no_retry_after", nth=1, delay_s=0.1)
    connector = _hs_connector(served)

    assert connector.owners.read_owner_names([hs_owner_id(1)]) == {hs_owner_id(1): "Ada Lovelace"}
    assert sandbox.faults.injected["rate_limit_no_retry_after"] == 1 and connector.api.rate_limited == 1
    assert connector.budget.calls == 2 and connector.api.limiter.in_window == 2

    sandbox.set_switches(daily_limit=10)
    connector = _hs_connector(served)
    connector.source.read_records(["1"])  # learns the daily limit from the rate headers: 20% of 10 = 2 calls
    connector.owners.read_owner_names([hs_owner_id(1)])
    with pytest.raises(BudgetExhaustedError):
        connector.owners.read_owner_names([hs_owner_id(1)])
