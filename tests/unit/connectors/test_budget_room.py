"""A Salesforce client call can make requests of its own (a Bulk job's status polls and result pages): each is
checked against the run's share before it goes, by the usage the last answer reported."""

from __future__ import annotations

import pytest
import requests

from connectors.errors import BudgetExhaustedError
from connectors.resilience import ApiBudget
from connectors.salesforce.client import TimeoutSession

CLOSED_PORT = "http://127.0.0.1:9/services/data/v59.0/jobs/query/750x"  # nothing listens: a sent request fails


def _budget(used_by_run: int) -> ApiBudget:
    budget = ApiBudget("salesforce", share=0.2)
    budget.observe(1_000, 10_000)  # the run starts at 1,000 used of 10,000: its share is 2,000 calls
    budget.observe(1_000 + used_by_run, 10_000)
    return budget


def test_room_is_left_up_to_the_share_and_gone_past_it() -> None:
    _budget(2_000).check_room()
    with pytest.raises(BudgetExhaustedError):
        _budget(2_001).check_room()


def test_the_org_s_daily_limit_stops_requests_whatever_the_share() -> None:
    budget = ApiBudget("salesforce", share=1.0)
    budget.observe(10_000, 10_000)
    with pytest.raises(BudgetExhaustedError):
        budget.check_room()


def test_a_request_past_the_share_is_never_sent() -> None:
    with pytest.raises(BudgetExhaustedError):
        TimeoutSession(1.0, _budget(2_001)).get(CLOSED_PORT)


def test_a_request_within_the_share_goes_out() -> None:
    with pytest.raises(requests.ConnectionError):  # it was sent: nothing answered on the closed port
        TimeoutSession(1.0, _budget(1_999)).get(CLOSED_PORT)
