"""The HubSpot connector on the emulator, beyond the port contracts (tests/contract/ports): the 10,000 cap, search
costs, faults, the limiter, budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
import pytest

from connectors.errors import BudgetExhaustedError
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.search import Slice
from connectors.ports import TimeWindow
from connectors.settings import HubSpotSettings
from mapping.convert import epoch_ms, epoch_ms_ceil
from sandbox.hubspot import HubSpotSandbox
from tests.contract.connectors.conftest import DEFAULT

EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
STAMP = "2026-11-20T10:00:00.000Z"


def _connector(served: Any, definition: Any = DEFAULT, **settings: Any) -> HubSpotConnector:
    options = {"search_calls_per_s": 1000, "calls_per_10s": 10_000, **settings}
    return HubSpotConnector(HubSpotSettings(access_token=served.access_token, base_url=served.base_url, **options),
                            definition)


def _contacts(sandbox: HubSpotSandbox, count: int, same_time: bool = False, start: int = 1) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    sandbox.load_contacts({"id": str(start + n), "email": f"c{start + n}@x.io", "lifecyclestage": "lead",
                           "lastmodifieddate": STAMP if same_time else (base + timedelta(seconds=n)).isoformat()}
                          for n in range(count))


def test_window_milliseconds_are_exact_and_an_end_rounds_up_also_for_prefects_pendulum_instants() -> None:
    instant = datetime(2026, 11, 23, 15, 0, 7, 250_400, tzinfo=UTC)
    for given in (instant, pendulum.instance(instant)):  # a flow's run instant is a pendulum DateTime
        assert (epoch_ms(given), epoch_ms_ceil(given)) == (1_795_446_007_250, 1_795_446_007_251)
    whole = instant.replace(microsecond=250_000)
    assert epoch_ms(whole) == epoch_ms_ceil(whole) == 1_795_446_007_250
    assert epoch_ms(datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC)) == -1


def test_the_window_planner_splits_and_pages_by_id_at_one_instant() -> None:
    piece = Slice(1_000, 3_000)
    assert piece.halves() == (Slice(1_000, 2_000), Slice(2_000, 3_000))
    assert Slice(5, 6).single_instant
    assert Slice(5, 6, after_id=42).filters()[1] == {"propertyName": "hs_object_id", "operator": "GT", "value": "42"}


def test_more_than_ten_thousand_matches_in_one_window_are_pulled_exactly_once(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    _contacts(sandbox, 10_300)
    pages = list(_connector(served).source.iter_changed(EVER))
    ids = [c["id"] for page in pages for c in page]
    assert len(ids) == 10_300 and len(set(ids)) == 10_300


def test_more_than_ten_thousand_sharing_one_timestamp_are_pulled_exactly_once(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    _contacts(sandbox, 10_250, same_time=True)
    _contacts(sandbox, 50, start=20_000)
    ids = [c["id"] for page in _connector(served).source.iter_changed(EVER) for c in page]
    assert len(ids) == 10_300 and len(set(ids)) == 10_300


def test_pulling_costs_one_search_per_two_hundred_contacts(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    _contacts(sandbox, 1_000)
    sandbox.calls.reset()
    list(_connector(served).source.iter_changed(EVER))
    assert sandbox.calls.snapshot()["hs.contacts.search"] == 5


@pytest.mark.parametrize("kind", ["rate_limit", "rate_limit_no_retry_after", "unavailable", "bad_gateway_html"])
def test_transient_faults_are_retried(hubspot, kind: str) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    _contacts(sandbox, 500)
    sandbox.inject("hs.contacts.search", kind, nth=2, delay_s=0.1)
    ids = [c["id"] for page in _connector(served).source.iter_changed(EVER) for c in page]
    assert len(set(ids)) == 500 and sandbox.faults.injected[kind] == 1


def test_without_rate_limit_headers_the_configured_pace_holds(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot  # no search limit on the emulator: its search answers announce none
    _contacts(sandbox, 1_200)
    connector = _connector(served, search_calls_per_s=2)
    list(connector.source.iter_changed(EVER))
    assert connector.api.search_limiter.limit == 2 and connector.api.search_limiter.waited_s > 0
    assert connector.api.rate_limited == 0


def test_the_budget_guard_stops_at_its_share_of_the_daily_limit(hubspot) -> None:  # type: ignore[no-untyped-def]
    sandbox, served = hubspot
    sandbox.set_switches(daily_limit=40)
    _contacts(sandbox, 50)
    connector = _connector(served)
    with pytest.raises(BudgetExhaustedError):
        for n in range(1, 50):
            connector.source.read_records([str(n)])
    assert connector.budget.used_by_run <= 8  # 20% of 40
