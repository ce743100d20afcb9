"""The OwnerDirectory port, one suite over every implementation: the fakes, the Salesforce and HubSpot connectors on
the emulators (the unmodified simple-salesforce and hubspot-api-client over HTTP), and their recorded traffic.

N owners cost one batched call, never one per owner; an id the system does not know is left out, never an error.
"""

from __future__ import annotations

import pytest

from tests.contract.ports.worlds import World

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator", "hubspot-emulator"]


@pytest.mark.cassettes("salesforce", "hubspot")
def test_known_owners_are_named_and_an_unknown_id_is_left_out(world: World) -> None:
    ids = world.owners_known(5)  # a replay: the owners of the recording's leads (a queue among them has no name)
    unknown = world.shape.owner_id_of(900)

    names = world.owners.read_owner_names([*ids, unknown])

    assert names and set(names) <= set(ids) and all(names.values())
    if world.seeds:
        assert names == {owner_id: f"Rep {n}" for n, owner_id in enumerate(ids, start=1)}


def test_many_owners_are_named_in_one_call(world: World) -> None:
    ids = [world.shape.owner_id_of(n) for n in range(1, 26)]
    world.add_owners({owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)})
    before = world.calls("owners")

    names = world.owners.read_owner_names(ids)

    assert names == {owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)}
    assert world.calls("owners") - before == 1


def test_an_id_the_system_does_not_know_is_left_out(world: World) -> None:
    known, unknown = [world.shape.owner_id_of(1), world.shape.owner_id_of(2)], world.shape.owner_id_of(900)
    world.add_owners({known[0]: "Ada Lovelace", known[1]: "Grace Hopper"})

    names = world.owners.read_owner_names([*known, unknown])

    assert names == {known[0]: "Ada Lovelace", known[1]: "Grace Hopper"}


def test_an_id_asked_twice_is_asked_for_once(world: World) -> None:
    ids = [world.shape.owner_id_of(1), world.shape.owner_id_of(2)]
    world.add_owners({ids[0]: "Ada Lovelace", ids[1]: "Grace Hopper"})
    before = world.calls("owners")
    assert world.owners.read_owner_names([ids[0], ids[1], ids[0]]) == {ids[0]: "Ada Lovelace", ids[1]: "Grace Hopper"}
    assert world.calls("owners") - before == 1


def test_no_ids_cost_no_call(world: World) -> None:
    before = world.calls("owners")
    assert world.owners.read_owner_names([]) == {}
    assert world.calls("owners") == before


def test_more_owners_than_one_call_holds_are_named_in_two(world: World) -> None:
    ids = [world.shape.owner_id_of(n) for n in range(1, world.owners_per_call + 11)]
    world.add_owners({owner_id: f"Rep {n}" for n, owner_id in enumerate(ids)})
    before = world.calls("owners")

    names = world.owners.read_owner_names(ids)

    assert len(names) == len(ids) and names[ids[-1]] == f"Rep {len(ids) - 1}"
    assert world.calls("owners") - before == 2
