"""The SlaFlagWriter port, one suite over every implementation: a breach is flagged once however often it is written
(a rerun after a crash, a concurrent run), and where the flag is a field, clearing it removes it. (Salesforce without a
flag field gives the owner a Task, which the owner closes: clearing leaves it. HubSpot's connector writes no flags.)"""

from __future__ import annotations

import pytest

from tests.contract.ports.worlds import World, breach

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator", "salesforce-emulator-flag-field"]


def test_a_breach_is_flagged_once_however_often_it_is_written(world: World) -> None:
    (owner,) = world.owners_known(1)
    ids = world.leads(2, owner_id=owner)
    entries = [breach(world.shape.system, i, owner) for i in ids]
    assert world.flags is not None

    first = world.flags.write_sla_flags(entries, [])
    flagged = [world.flag(i) for i in ids]
    again = world.flags.write_sla_flags(entries, [])

    assert sorted((o.record_id, o.ok) for o in first) == sorted((i, True) for i in ids) and all(flagged)
    assert sorted((o.record_id, o.ok) for o in again) == sorted((i, True) for i in ids)
    assert [world.flag(i) for i in ids] == flagged


@pytest.mark.worlds("salesforce-fake", "hubspot-fake", "salesforce-emulator-flag-field")
def test_a_flag_field_is_cleared_when_the_lead_is_worked(world: World) -> None:
    (owner,) = world.owners_known(1)
    ids = world.leads(2, owner_id=owner)
    assert world.flags is not None
    world.flags.write_sla_flags([breach(world.shape.system, i, owner) for i in ids], [])

    outcomes = world.flags.write_sla_flags([], ids[:1])

    assert [(o.record_id, o.ok) for o in outcomes] == [(ids[0], True)]
    assert world.flag(ids[0]) is None and world.flag(ids[1])
