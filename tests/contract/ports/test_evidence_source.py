"""The EvidenceSource port, one suite over every implementation: stage history and logged work, keyed by record, in
batched reads, with leadsync's own breach flags never counted as work. (HubSpot's connector has none: its stage
history comes with the contacts, in the `hs_v2_date_entered_*` properties.)"""

from __future__ import annotations

import pytest

from tests.contract.ports.worlds import World, breach

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator"]


@pytest.mark.cassettes("salesforce")
def test_evidence_comes_keyed_by_record_for_the_records_asked_only(world: World) -> None:
    ids = world.leads(50)
    if world.seeds:
        world.add_history(ids)
        world.add_work(ids[::5])
    asked = ids[:25]

    assert world.evidence is not None
    evidence = world.evidence.read_evidence(asked)

    assert evidence.history and set(evidence.history) <= set(asked) and set(evidence.activities) <= set(asked)
    if world.seeds:
        assert set(evidence.history) == set(asked) and set(evidence.activities) == set(asked[::5])


def test_evidence_of_many_records_takes_a_few_batched_calls(world: World) -> None:
    ids = world.leads(300)
    world.add_history(ids)
    world.add_work(ids[:100])
    before = world.calls("evidence")

    assert world.evidence is not None
    evidence = world.evidence.read_evidence(ids)

    assert len(evidence.history) == 300 and len(evidence.activities) == 100
    assert world.calls("evidence") - before <= 6


def test_our_own_breach_flags_are_not_work(world: World) -> None:
    (owner,) = world.owners_known(1)
    ids = world.leads(2, owner_id=owner)
    world.add_work(ids[:1])
    assert world.flags is not None and world.evidence is not None
    assert all(o.ok for o in world.flags.write_sla_flags([breach(world.shape.system, i, owner) for i in ids], []))

    evidence = world.evidence.read_evidence(ids)

    assert {record_id: len(work) for record_id, work in evidence.activities.items()} == {ids[0]: 1}
