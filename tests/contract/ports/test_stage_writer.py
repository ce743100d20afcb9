"""The StageWriter port, one suite over every implementation: one outcome per record in order, a record that cannot be
written failing alone, batches of the system's size, two-step writes in order, and what was written read back."""

from __future__ import annotations

import pytest

from tests.contract.ports.worlds import World

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator", "hubspot-emulator"]


@pytest.mark.cassettes("salesforce", "hubspot")
def test_a_batch_lands_and_a_record_that_does_not_exist_fails_alone(world: World) -> None:
    ids = world.leads(5)
    unknown = world.shape.unknown_id

    outcomes = world.writer.apply_corrections([world.shape.correction(i) for i in [*ids, unknown]])

    assert [(o.record_id, o.ok) for o in outcomes] == [(i, True) for i in ids] + [(unknown, False)]
    assert outcomes[-1].code
    field, _, written = world.shape.write
    held = world.writer.read_stage_values(ids)
    assert set(held) == set(ids) and {values[field] for values in held.values()} == {written}


def test_writes_go_in_batches_of_the_system_size(world: World) -> None:
    ids = world.leads(world.shape.write_batch * 2 + 50)
    unknown = world.shape.unknown_id
    before = world.calls("write")

    outcomes = world.writer.apply_corrections([world.shape.correction(i) for i in [*ids, unknown]])

    assert world.calls("write") - before == 3
    assert sum(o.ok for o in outcomes) == len(ids) and [o.record_id for o in outcomes if not o.ok] == [unknown]


def test_two_steps_go_in_order_each_in_its_own_call(world: World) -> None:
    # A backward HubSpot lifecycle move is a clear (step 1), then the set (step 2): one request would be refused.
    field, before, _, second = world.shape.steps
    (record,) = world.leads(1, stage=before)
    calls = world.calls("write")

    # given in the wrong order on purpose: the writer sends step 1 first
    outcomes = world.writer.apply_corrections([world.shape.step(record, 2), world.shape.step(record, 1)])

    assert [o.ok for o in outcomes] == [True, True]
    assert world.calls("write") - calls == 2
    assert world.writer.read_stage_values([record])[record][field] == second
