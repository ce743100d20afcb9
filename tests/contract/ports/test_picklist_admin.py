"""The PicklistAdmin port, one suite over every implementation: the stage values a field accepts, and the missing ones
added with nothing dropped (a whole-list update keeps every value), and nothing sent when nothing is missing."""

from __future__ import annotations

import pytest

from mapping.stage_diff import diff_stages
from tests.contract.ports.worlds import DEFAULT, World

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator", "hubspot-emulator"]


@pytest.mark.cassettes("salesforce", "hubspot")
def test_the_stage_values_a_field_accepts_are_read(world: World) -> None:
    values = [v.value for v in world.picklist.read_picklist(world.shape.picklist_field)]

    assert len(values) == len(set(values)) and set(world.shape.known_values) <= set(values)
    if not world.seeds:  # the recording's org and portal are provisioned: every value the definition writes is there
        assert set(world.shape.wanted_values()) <= set(values)


def test_missing_values_are_added_and_none_dropped(world: World) -> None:
    field = world.shape.picklist_field
    live = world.picklist.read_picklist(field)
    present = {v.value for v in live}
    dropped = [value for value in world.shape.wanted_values() if value in present][-2:]
    trimmed = [v for v in live if v.value not in dropped]  # as if those two were missing
    diff = diff_stages(DEFAULT, world.shape.system, field, trimmed)
    missing = {value for value in world.shape.wanted_values() if value not in present}
    assert dropped and {v.value for v in diff.to_add} == set(dropped) | missing

    assert world.picklist.add_picklist_values(diff).ok

    assert {v.value for v in world.picklist.read_picklist(field)} == present | missing


def test_nothing_missing_sends_nothing(world: World) -> None:
    field = world.shape.picklist_field
    world.picklist.add_picklist_values(diff_stages(DEFAULT, world.shape.system, field, world.picklist.read_picklist(field)))
    complete = diff_stages(DEFAULT, world.shape.system, field, world.picklist.read_picklist(field))
    before = world.calls("picklist_write")

    assert complete.empty and world.picklist.add_picklist_values(complete).ok
    assert world.calls("picklist_write") == before
