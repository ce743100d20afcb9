"""The LeadSource port, one suite over every implementation: a window pulled in pages, each record once; counts; reads
by id and by email; the window's bounds at the system's precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.ports import TimeWindow, WholeSource
from tests.contract.ports.worlds import EVER, World

WORLDS = ["salesforce-fake", "hubspot-fake", "salesforce-emulator", "hubspot-emulator"]
STAMPED = datetime(2026, 11, 23, 15, 0, 7, 250_000, tzinfo=UTC)
HOUR = datetime(2026, 11, 23, 15, tzinfo=UTC)


def _pulled(world: World, window: TimeWindow) -> list[str]:
    return [world.shape.record_id(r) for page in world.source.iter_changed(window) for r in page]


@pytest.mark.cassettes("salesforce", "hubspot")
def test_a_window_comes_in_pages_each_record_once_with_its_stage(world: World) -> None:
    seeded = world.leads(world.shape.page + 10) if world.seeds else []

    pages = list(world.source.iter_changed(EVER))

    ids = [world.shape.record_id(r) for page in pages for r in page]
    assert len(ids) > 100 and len(ids) == len(set(ids)) and set(seeded) <= set(ids)
    assert all(0 < len(page) <= world.shape.page for page in pages) and (len(pages) > 1 or not world.seeds)
    assert all(world.shape.stage_field in world.shape.values(r) for page in pages for r in page)


@pytest.mark.cassettes("salesforce", "hubspot")
def test_the_count_of_a_window_is_what_pulling_it_yields(world: World) -> None:
    if world.seeds:
        world.leads(25)

    count = world.source.count_changed(EVER)

    assert count > 0 and count == len(_pulled(world, EVER))


@pytest.mark.cassettes("salesforce", "hubspot")
def test_records_are_read_by_id_and_an_unknown_id_is_left_out(world: World) -> None:
    ids = world.leads(20)

    read = world.source.read_records([*ids, world.shape.unknown_id])

    assert sorted(world.shape.record_id(r) for r in read) == sorted(ids)
    assert all(world.shape.stage_field in world.shape.values(r) for r in read)


def test_records_are_found_by_email_whatever_its_case(world: World) -> None:
    ids = world.leads(3, emails=["Ada@Example.io", "bob@example.io", "carol@example.io"])

    found = world.source.find_by_emails(["ada@example.io", "BOB@EXAMPLE.IO"])

    assert sorted(world.shape.record_id(r) for r in found) == sorted(ids[:2])


def test_spaces_around_a_stored_email_are_ignored_only_where_the_system_ignores_them(world: World) -> None:
    # Salesforce's `Email IN (…)` keeps them; HubSpot's lookup by the email property drops them. The fake once
    # trimmed for both, so a sync over it found partners the real org would not.
    (spaced,) = world.leads(1, emails=[" ada@example.io "])

    found = [world.shape.record_id(r) for r in world.source.find_by_emails(["ada@example.io"])]

    assert found == ([spaced] if world.shape.email_trims else [])


def test_a_record_stamped_in_the_tick_a_window_ends_is_in_that_window(world: World) -> None:
    # A plan starting at hh:mm:ss.900 must see a lead written at hh:mm:ss.250: the window's end is rounded up to the
    # system's tick (a Salesforce second, a HubSpot millisecond), never cut down to it.
    (lead,) = world.leads(1, modified=STAMPED)
    tick = world.shape.tick
    window = TimeWindow(HOUR, STAMPED + tick * 0.6)

    assert _pulled(world, window) == [lead]
    assert world.source.count_changed(window) == 1
    tick_start = STAMPED - (STAMPED - HOUR) % tick
    assert _pulled(world, TimeWindow(HOUR, tick_start)) == []  # ends when the record's tick begins


def test_a_record_stamped_later_in_the_tick_a_window_ends_is_in_that_window_too(world: World) -> None:
    # What the system compares is whole ticks: the fake once compared exact instants and left this record for the
    # next window, where the real connectors pull it now.
    tick = world.shape.tick
    tick_start = STAMPED - (STAMPED - HOUR) % tick
    (later,) = world.leads(1, modified=tick_start + tick * 0.95)

    assert _pulled(world, TimeWindow(HOUR, tick_start + tick * 0.6)) == [later]


def test_window_literal_is_stable() -> None:
    assert EVER.end - EVER.start > timedelta(days=365)


def _whole(world: World, window: TimeWindow) -> list[str]:
    whole: WholeSource = world.source  # type: ignore[assignment]  # every source of this suite pulls whole too
    return [world.shape.record_id(r) for page in whole.iter_whole(window) for r in page]


def test_a_whole_pull_yields_what_the_window_pull_yields_each_record_once(world: World) -> None:
    world.leads(150)
    (stamped,) = world.leads(1, modified=STAMPED)
    window = TimeWindow(HOUR, STAMPED + world.shape.tick * 0.6)

    whole = _whole(world, EVER)

    assert len(whole) == len(set(whole)) and sorted(whole) == sorted(_pulled(world, EVER))
    assert _whole(world, window) == [stamped] == _pulled(world, window)  # the window's bounds at the system's tick
