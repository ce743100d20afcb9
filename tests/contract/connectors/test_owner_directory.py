"""The OwnerDirectory port, one suite over every implementation: the in-memory fakes, and the Salesforce and HubSpot
connectors on the emulators (the unmodified simple-salesforce and hubspot-api-client over HTTP).

N owners cost one batched call, never one per owner; an id the system does not know is left out, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.errors import BudgetExhaustedError
from connectors.hubspot.connector import HubSpotConnector
from connectors.memory import OWNER_BATCH, InMemorySystem
from connectors.ports import OwnerDirectory
from connectors.salesforce.connector import SalesforceConnector
from sandbox.hubspot import HubSpotSandbox
from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce import SalesforceSandbox
from connectors.settings import HubSpotSettings, SalesforceSettings
from tests.contract.connectors.conftest import DEFAULT

SF_IDS_PER_QUERY = 473  # 18-character ids, quoted, in one `Id IN (…)` under the 10,000-character query cap
HS_OWNERS_PER_PAGE = 500


@dataclass
class OwnerWorld:
    """A directory, a way to give its system owners, and the calls it has made so far."""

    directory: OwnerDirectory
    add: Callable[[dict[str, str]], None]  # owner id -> name
    calls: Callable[[], int]
    make_id: Callable[[int], str]  # the n-th owner id, shaped as the system shapes them
    per_call: int  # owner ids one call can name

    def ids(self, count: int, start: int = 1) -> list[str]:
        return [self.make_id(n) for n in range(start, start + count)]


def sf_user_id(n: int) -> str:
    return f"0057{n:011d}AAA"


def hs_owner_id(n: int) -> str:
    return str(80_000 + n)


class OwnerDirectoryContract:
    """What every OwnerDirectory does; subclasses provide the `world` fixture."""

    def test_many_owners_are_named_in_one_call(self, world: OwnerWorld) -> None:
        ids = world.ids(25)
        world.add({owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)})
        before = world.calls()

        names = world.directory.read_owner_names(ids)

        assert names == {owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)}
        assert world.calls() - before == 1

    def test_an_id_the_system_does_not_know_is_left_out(self, world: OwnerWorld) -> None:
        known, unknown = world.ids(2), world.ids(1, start=900)
        world.add({known[0]: "Ada Lovelace", known[1]: "Grace Hopper"})

        names = world.directory.read_owner_names([*known, *unknown])

        assert names == {known[0]: "Ada Lovelace", known[1]: "Grace Hopper"}

    def test_an_id_asked_twice_is_asked_for_once(self, world: OwnerWorld) -> None:
        ids = world.ids(2)
        world.add({ids[0]: "Ada Lovelace", ids[1]: "Grace Hopper"})
        before = world.calls()
        assert world.directory.read_owner_names([ids[0], ids[1], ids[0]]) == {ids[0]: "Ada Lovelace",
                                                                                ids[1]: "Grace Hopper"}
        assert world.calls() - before == 1

    def test_no_ids_cost_no_call(self, world: OwnerWorld) -> None:
        before = world.calls()
        assert world.directory.read_owner_names([]) == {}
        assert world.calls() == before

    def test_more_owners_than_one_call_holds_are_named_in_two(self, world: OwnerWorld) -> None:
        ids = world.ids(world.per_call + 10)
        world.add({owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)})
        before = world.calls()

        names = world.directory.read_owner_names(ids)

        assert len(names) == len(ids) and names[ids[-1]] == f"Rep {len(ids) - 1}"
        assert world.calls() - before == 2


def _memory_world(system: str) -> OwnerWorld:
    fake = InMemorySystem(system)
    make_id = sf_user_id if system == "salesforce" else hs_owner_id
    return OwnerWorld(fake, fake.owners.update, lambda: fake.calls["owners"], make_id, OWNER_BATCH[system])


class TestInMemoryOwners(OwnerDirectoryContract):
    @pytest.fixture(params=["salesforce", "hubspot"])
    def world(self, request: pytest.FixtureRequest) -> OwnerWorld:
        return _memory_world(request.param)


# --- Salesforce: SELECT Id, Name FROM User WHERE Id IN (…) -------------------------------------------------------


def _sf_connector(connection: Any) -> SalesforceConnector:
    settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                  ca_bundle=connection.ca_bundle)
    return SalesforceConnector(settings, DEFAULT)


def _add_users(sandbox: SalesforceSandbox, names: dict[str, str], active: bool = True) -> None:
    rows = []
    for owner_id, name in names.items():
        first, _, last = name.partition(" ")
        rows.append({"Id": owner_id, "FirstName": first, "LastName": last, "Username": f"{owner_id}@corp.example",
                     "IsActive": active})
    sandbox.add_users(rows)


def _sf_queries(sandbox: SalesforceSandbox) -> int:
    calls = sandbox.calls.snapshot()
    return calls.get("sf.query", 0) + calls.get("sf.query_more", 0)


class TestSalesforceOwnersOnEmulator(OwnerDirectoryContract):
    @pytest.fixture
    def world(self, salesforce: tuple[SalesforceSandbox, Any]) -> Iterator[OwnerWorld]:
        sandbox, connection = salesforce
        connector = _sf_connector(connection)
        yield OwnerWorld(connector.owners, lambda names: _add_users(sandbox, names), lambda: _sf_queries(sandbox),
                         sf_user_id, SF_IDS_PER_QUERY)
        connector.close()


def test_salesforce_names_inactive_users_and_never_asks_for_queues_or_malformed_ids(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _add_users(sandbox, {sf_user_id(1): "Ada Lovelace"})
    _add_users(sandbox, {sf_user_id(2): "Left Company"}, active=False)  # a deactivated user keeps the name
    connector = _sf_connector(connection)
    sandbox.calls.reset()

    names = connector.owners.read_owner_names([sf_user_id(1), sf_user_id(2), "00G5g000000AbCdEAI", "x' OR Id != '"])

    assert names == {sf_user_id(1): "Ada Lovelace", sf_user_id(2): "Left Company"}
    assert _sf_queries(sandbox) == 1
    assert connector.owners.read_owner_names(["00G5g000000AbCdEAI"]) == {} and _sf_queries(sandbox) == 1


def test_salesforce_owner_reads_are_retried_and_counted_against_the_budget(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _add_users(sandbox, {sf_user_id(1): "Ada Lovelace"})
    connector = _sf_connector(connection)
    sandbox.inject(Fault("sf.query", FaultKind.RATE_LIMIT, nth=1, delay_s=0.1))

    assert connector.owners.read_owner_names([sf_user_id(1)]) == {sf_user_id(1): "Ada Lovelace"}
    assert sandbox.faults.injected[FaultKind.RATE_LIMIT.value] == 1 and connector.budget.calls == 2


# --- HubSpot: GET /crm/v3/owners/ (pages of 500), through the limiter, the retries and the budget -----------------


def _hs_connector(served: Any) -> HubSpotConnector:
    settings = HubSpotSettings(access_token=served.access_token, base_url=served.base_url, search_calls_per_s=1000,
                               calls_per_10s=10_000)
    return HubSpotConnector(settings, DEFAULT)


def _add_owners(sandbox: HubSpotSandbox, names: dict[str, str], archived: bool = False) -> None:
    rows = []
    for owner_id, name in names.items():
        first, _, last = name.partition(" ")
        rows.append({"id": owner_id, "email": f"{owner_id}@corp.example", "firstName": first, "lastName": last,
                     "archived": archived})
    sandbox.add_owners(rows)


def _hs_owner_calls(sandbox: HubSpotSandbox) -> int:
    return sandbox.calls.snapshot().get("hs.owners.list", 0)


class TestHubSpotOwnersOnEmulator(OwnerDirectoryContract):
    @pytest.fixture
    def world(self, hubspot: tuple[HubSpotSandbox, Any]) -> Iterator[OwnerWorld]:
        sandbox, served = hubspot
        connector = _hs_connector(served)
        yield OwnerWorld(connector.owners, lambda names: _add_owners(sandbox, names),
                         lambda: _hs_owner_calls(sandbox), hs_owner_id, HS_OWNERS_PER_PAGE)
        connector.close()


def test_hubspot_looks_among_archived_owners_only_for_ids_still_unnamed(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    _add_owners(sandbox, {hs_owner_id(1): "Ada Lovelace"})
    _add_owners(sandbox, {hs_owner_id(2): "Left Company"}, archived=True)  # a deactivated user's owner
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
    _add_owners(sandbox, {hs_owner_id(1): "Ada Lovelace"})
    # without Retry-After (urllib3 itself retries a GET's 429 that names a wait): leadsync's retry policy answers
    sandbox.inject("hs.owners.list", "rate_limit_no_retry_after", nth=1, delay_s=0.1)
    connector = _hs_connector(served)

    assert connector.owners.read_owner_names([hs_owner_id(1)]) == {hs_owner_id(1): "Ada Lovelace"}
    assert sandbox.faults.injected["rate_limit_no_retry_after"] == 1 and connector.api.rate_limited == 1
    assert connector.budget.calls == 2 and len(connector.api.limiter._calls) == 2

    sandbox.set_switches(daily_limit=10)
    connector = _hs_connector(served)
    connector.source.read_records(["1"])  # learns the daily limit from the rate headers: 20% of 10 = 2 calls
    connector.owners.read_owner_names([hs_owner_id(1)])
    with pytest.raises(BudgetExhaustedError):
        connector.owners.read_owner_names([hs_owner_id(1)])
