"""The Salesforce connector on the emulator, beyond the port contracts (tests/contract/ports): paging by API, writes
to converted leads, row locks, re-login, faults, budget, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.errors import AuthError, BudgetExhaustedError
from connectors.ports import TimeWindow
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.soql import in_batches
from connectors.settings import SalesforceSettings
from mapping.plan import Correction
from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce import SalesforceSandbox
from tests.contract.connectors.conftest import DEFAULT

NOW = datetime.now(UTC)
EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), NOW + timedelta(days=1))


def _leads(sandbox: SalesforceSandbox, count: int, **extra: Any) -> list[str]:
    ids = [f"00Q7{n:011d}AAA" for n in range(count)]
    sandbox.load_leads({"Id": i, "LastName": f"L{n}", "Company": "Acme", "Email": f"p{n}@x.io",
                        "Status": "Open - Not Contacted", **extra} for n, i in enumerate(ids))
    return ids


def _session(connection: Any, **overrides: Any) -> SalesforceConnector:
    settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                  ca_bundle=connection.ca_bundle, **overrides)
    return SalesforceConnector(settings, DEFAULT)


def _password(connection: Any) -> SalesforceConnector:
    settings = SalesforceSettings(username=connection.username, password=connection.password,
                                  security_token=connection.security_token, domain=connection.login_domain,
                                  ca_bundle=connection.ca_bundle)
    return SalesforceConnector(settings, DEFAULT)


def _correction(record_id: str, after: str = "Marketing Qualified") -> Correction:
    return Correction("salesforce", record_id, "Status", "Open - Not Contacted", after, "inquiry", "mql",
                      "marketing_evidence", "test", "1")


def test_a_window_of_five_thousand_leads_takes_a_count_probe_and_three_query_calls(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 5_000)
    connector = _session(connection)
    sandbox.calls.reset()

    pages = list(connector.source.iter_changed(EVER))

    assert sum(len(p) for p in pages) == 5_000 and len({r["Id"] for p in pages for r in p}) == 5_000
    calls = sandbox.calls.snapshot()
    assert calls.get("sf.query", 0) + calls.get("sf.query_more", 0) == 1 + 3  # the COUNT() probe + ceil(5000 / 2000)


def test_a_converted_lead_fails_alone_and_corrections_never_reassign_the_owner(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.set_lead_statuses(["Open - Not Contacted", "Marketing Qualified", "Closed - Converted"])
    ids = _leads(sandbox, 450)
    sandbox.load_leads([{"Id": "00Q800000000001AAA", "LastName": "C", "Company": "Acme", "IsConverted": True,
                         "Status": "Closed - Converted"}])
    connector = _session(connection)
    sandbox.calls.reset()

    outcomes = connector.writer.apply_corrections([_correction(i) for i in ids] + [_correction("00Q800000000001AAA")])

    failed = [o for o in outcomes if not o.ok]
    assert [(o.record_id, o.code) for o in failed] == [("00Q800000000001AAA", "CANNOT_UPDATE_CONVERTED_LEAD")]
    assert connector.writer.read_stage_values(ids[:2]) == {i: {"Status": "Marketing Qualified"} for i in ids[:2]}
    assert all(r.get("OwnerId") != sandbox.switches.assignment_owner_id for r in sandbox.records("Lead")
               if r["Id"] in ids[:5])  # Sforce-Auto-Assign: FALSE kept the owners


def test_row_locks_are_retried_and_the_write_lands(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.set_lead_statuses(["Open - Not Contacted", "Marketing Qualified"])
    ids = _leads(sandbox, 3)
    sandbox.inject(Fault("sf.collections.update", FaultKind.ROW_LOCK, nth=1, record_ids=frozenset({ids[1]})))

    outcomes = _session(connection).writer.apply_corrections([_correction(i) for i in ids])

    assert all(o.ok for o in outcomes)
    assert sandbox.calls.snapshot()["sf.collections.update"] == 2


@pytest.mark.parametrize("kind", [FaultKind.RATE_LIMIT, FaultKind.UNAVAILABLE, FaultKind.BAD_GATEWAY_HTML,
                                  FaultKind.CONNECTION_RESET, FaultKind.RATE_LIMIT_NO_RETRY_AFTER])
def test_transient_faults_are_retried_and_the_pull_completes(salesforce, kind: FaultKind) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 2_500)
    sandbox.inject(Fault("sf.query_more", kind, nth=1, delay_s=0.1))

    pages = list(_session(connection).source.iter_changed(EVER))

    assert sum(len(p) for p in pages) == 2_500
    assert sandbox.faults.injected[kind.value] == 1


def test_a_slow_answer_beyond_the_timeout_is_retried(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 10)
    sandbox.inject(Fault("sf.query", FaultKind.SLOW, nth=1, delay_s=3.0))

    pages = list(_session(connection, timeout_s=1.0).source.iter_changed(EVER))

    assert sum(len(p) for p in pages) == 10


def test_a_session_expiring_mid_pull_is_renewed_and_the_pull_completes(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 4_500)
    connector = _password(connection)
    pages = connector.source.iter_changed(EVER)
    first = next(pages)
    sandbox.expire_sessions()

    rest = list(pages)

    assert len(first) + sum(len(p) for p in rest) == 4_500
    # simple-salesforce renews a password session itself (bounded); leadsync's own cap covers the rest
    assert sandbox.calls.snapshot()["sf.login.soap"] == 2 and connector.api.relogins <= 1


def test_an_expired_session_that_cannot_be_renewed_is_an_auth_error(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 10)
    connector = _session(connection)
    sandbox.expire_sessions()
    with pytest.raises(AuthError) as caught:
        list(connector.source.iter_changed(EVER))
    assert connection.session_id not in str(caught.value)


def test_the_budget_guard_stops_at_its_share_of_the_daily_limit(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.switches.update({"daily_api_max": 50})
    ids = _leads(sandbox, 30)
    connector = _session(connection)
    connector.source.count_changed(EVER)  # learns the daily limit from Sforce-Limit-Info: 20% of 50 = 10 calls

    with pytest.raises(BudgetExhaustedError) as caught:
        for record_id in ids:
            connector.source.read_records([record_id])
    assert caught.value.limit == 10 and connector.budget.used_by_run <= 10


def test_injection_strings_are_escaped_in_soql(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 3)
    hostile = "x' OR Name != '"
    query = next(in_batches("SELECT Id FROM Lead WHERE ", "Email", [hostile]))
    assert "\\' OR Name != \\'" in query

    assert _session(connection).source.find_by_emails([hostile]) == []


def test_a_large_window_is_pulled_through_bulk_api_2_in_pages(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    _leads(sandbox, 2_500)
    connector = _session(connection)
    connector.source.bulk_threshold = 1_000
    sandbox.calls.reset()

    pages = list(connector.source.iter_changed(EVER))

    assert sum(len(p) for p in pages) == 2_500 and len({r["Id"] for p in pages for r in p}) == 2_500
    calls = sandbox.calls.snapshot()
    assert calls["sf.bulk2.query.create"] == 1 and calls.get("sf.query_more", 0) == 0
    lead = pages[0][0]
    assert lead["Status"] == "Open - Not Contacted" and lead["IsConverted"] in ("false", False)


def test_every_answer_feeds_the_budget_bulk_2_and_composite_included(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.switches.update({"daily_api_max": 100_000, "api_usage": 500})  # 500 calls spent by others today
    ids = _leads(sandbox, 2_500)
    connector = _session(connection)
    connector.source.bulk_threshold = 1_000

    assert sum(len(page) for page in connector.source.iter_changed(EVER)) == 2_500
    bulk_calls = sum(n for key, n in sandbox.calls.snapshot().items() if key.startswith("sf.bulk2"))
    assert bulk_calls >= 3  # create, poll, results: the polls are not ours to count, yet they are counted
    assert connector.budget.daily_limit == 100_000 and connector.budget.used_at_start == 500
    assert connector.budget.used_by_run >= sandbox.switches.api_usage - 500  # never less than the server says

    outcomes = connector.writer.apply_corrections([_correction(i) for i in ids[:450]])  # three composite calls
    assert all(o.ok for o in outcomes)
    assert connector.budget.used_now is not None and connector.budget.used_now >= sandbox.switches.api_usage
    assert connector.budget.used_by_run >= sandbox.switches.api_usage - 500


def test_the_budget_guard_stops_before_the_runs_share_with_others_using_the_org(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.switches.update({"daily_api_max": 100, "api_usage": 60})  # others used 60 of 100 today
    ids = _leads(sandbox, 40)
    connector = _session(connection)  # a share of 20%: 20 calls, counted from where the day stood at the start

    with pytest.raises(BudgetExhaustedError) as caught:
        for record_id in ids:
            connector.source.read_records([record_id])
    assert caught.value.limit == 20 and connector.budget.used_at_start == 60
    assert sandbox.switches.api_usage - 60 <= 20  # the server agrees: the run stopped within its share


def test_the_budget_guard_stops_before_the_daily_limit_whatever_the_share(salesforce) -> None:  # type: ignore[no-untyped-def]
    sandbox, connection = salesforce
    sandbox.switches.update({"daily_api_max": 100, "api_usage": 95})
    ids = _leads(sandbox, 10)
    connector = SalesforceConnector(SalesforceSettings(instance_url=connection.instance_url,
                                                       session_id=connection.session_id,
                                                       ca_bundle=connection.ca_bundle), DEFAULT, budget_share=1.0)

    with pytest.raises(BudgetExhaustedError):
        for record_id in ids:
            connector.source.read_records([record_id])
    assert sandbox.switches.api_usage <= 100 and "sf.query" in sandbox.calls.snapshot()
