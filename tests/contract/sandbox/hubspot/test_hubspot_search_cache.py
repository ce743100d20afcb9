"""Property: a search whose matches are kept current across writes equals a fresh scan (sandbox internals)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.hubspot import HubSpotSandbox, ManualClock, Switches
from sandbox.hubspot.search import Searcher, parse_request

QUERIES: list[dict[str, Any]] = [
    {"limit": 200},
    {"limit": 200, "sorts": [{"propertyName": "num_notes", "direction": "DESCENDING"}]},
    {
        "limit": 200,
        "sorts": ["lastmodifieddate", "-hs_lead_status"],
        "filterGroups": [{"filters": [{"propertyName": "num_notes", "operator": "GTE", "value": "3"}]}],
    },
    {
        "limit": 200,
        "sorts": [{"propertyName": "hs_lead_status", "direction": "ASCENDING"}],
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"]}
                ]
            },
            {"filters": [{"propertyName": "hs_lead_status", "operator": "NOT_HAS_PROPERTY"}]},
        ],
    },
]
STATUSES = ["", "NEW", "OPEN", "CONNECTED"]
STAGES = ["lead", "marketingqualifiedlead", "customer"]

step = st.one_of(
    st.tuples(st.just("update"), st.integers(1, 30), st.sampled_from(STATUSES), st.integers(0, 9)),
    st.tuples(st.just("stage"), st.integers(1, 30), st.sampled_from(STAGES)),
    st.tuples(st.just("archive"), st.integers(1, 30)),
    st.tuples(st.just("create"), st.integers(0, 9)),
    st.tuples(st.just("tick"), st.integers(1, 400)),
)


def _ids(searcher: Searcher, query: dict[str, Any], now: int) -> list[int]:
    sandbox_switches = Switches()
    body = searcher.search(parse_request(query, sandbox_switches), now)
    return [int(result["id"]) for result in body["results"]]


def _apply(sandbox: HubSpotSandbox, clock: ManualClock, action: tuple[Any, ...]) -> None:
    portal = sandbox.portal
    clock.advance(1)
    if action[0] == "tick":
        clock.advance(action[1])
        return
    if action[0] == "create":
        portal.writer.create({"num_notes": str(action[1])})
        return
    contact = portal.store.find(str(action[1]), None)
    if contact is None:
        return
    if action[0] == "archive":
        portal.writer.archive(contact)
    elif action[0] == "stage":
        portal.writer.update(contact, portal.writer.check({"lifecyclestage": action[2]}, contact))
    else:
        portal.writer.update(contact, {"hs_lead_status": action[2], "num_notes": str(action[3])})


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, max_size=25),
    lag=st.sampled_from([0, 300]),
    mode=st.sampled_from(["stale", "hidden"]),
)
def test_kept_matches_equal_a_fresh_scan(steps: list[tuple[Any, ...]], lag: int, mode: str) -> None:
    clock = ManualClock()
    sandbox = HubSpotSandbox(switches=Switches(index_lag_ms=lag, index_lag_mode=mode), clock=clock)  # type: ignore[arg-type]
    sandbox.load_contacts(
        {
            "email": f"c{n}@x.com",
            "num_notes": str(n % 7),
            "lifecyclestage": STAGES[n % 3],
            **({"hs_lead_status": "NEW"} if n % 2 else {}),
        }
        for n in range(20)
    )
    portal = sandbox.portal
    kept = portal.searcher
    for action in steps:
        for query in QUERIES:
            _ids(kept, query, clock())
        _apply(sandbox, clock, action)
        for query in QUERIES:
            fresh = Searcher(portal.store, portal.registry, portal.switches)
            assert _ids(kept, query, clock()) == _ids(fresh, query, clock())
