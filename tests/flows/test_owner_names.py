"""Owners by name where people read them: the cache in the state store, its fallbacks, and the sweep's notification,
the plan JSON and `explain`, over in-memory systems on every state store."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from connectors.settings import RunSettings
from flows.render.plan import plan_document
from flows.render.story import render_story
from flows.runs.explain import explain_lead
from flows.runs.notify import breach_line, notify_breaches
from flows.runs.owner_names import NAME_TTL, resolve_owner_names
from flows.runs.sla_sweep import run_sla_sweep
from flows.runs.sync import run_sync
from flows.wiring import notifier
from tests.flows.test_backfill_sweep_provision_revert import three_mqls_synced_at_closing_time
from tests.flows.test_sync_run import AS_OF, _world

ADA = "005000000000001AAA"  # the owner tests.factories gives every Salesforce lead
GONE = "005000000000009AAA"  # a user the org no longer shows us
HS_OWNER = "70001"
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_names_are_read_once_in_a_batch_per_system_then_served_from_the_cache(make_state: Callable[[], Any]) -> None:
    services, crm, ma, _ = _world(make_state, people=1)
    crm.owners.update({ADA: "Ada Lovelace", "005000000000002AAA": "Grace Hopper"})
    ma.owners[HS_OWNER] = "Ada Lovelace"
    keys = [("salesforce", ADA), ("salesforce", "005000000000002AAA"), ("salesforce", GONE), ("hubspot", HS_OWNER)]

    first = resolve_owner_names(services, keys, now=NOW)
    again = resolve_owner_names(services, keys, now=NOW + timedelta(hours=23))

    expected = {ADA: "Ada Lovelace", "005000000000002AAA": "Grace Hopper", HS_OWNER: "Ada Lovelace"}
    assert first == again == expected  # GONE is left out: shown as its id
    assert (crm.calls["owners"], ma.calls["owners"]) == (1, 1)  # the miss is cached too: not asked again


def test_names_older_than_a_day_are_read_again(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=1)
    crm.owners[ADA] = "Ada Lovelace"
    resolve_owner_names(services, [("salesforce", ADA), ("salesforce", GONE)], now=NOW)
    crm.owners.update({ADA: "Ada King", GONE: "Back Again"})

    later = resolve_owner_names(services, [("salesforce", ADA), ("salesforce", GONE)], now=NOW + NAME_TTL)

    assert later == {ADA: "Ada King", GONE: "Back Again"} and crm.calls["owners"] == 2


def test_a_failed_lookup_shows_the_last_names_known_or_the_ids_and_is_tried_again(make_state: Callable[[], Any]) -> None:
    services, crm, _, state = _world(make_state, people=1)
    crm.owners[ADA] = "Ada Lovelace"
    resolve_owner_names(services, [("salesforce", ADA)], now=NOW)
    crm.fail_next["owners"] = 2

    stale = resolve_owner_names(services, [("salesforce", ADA)], now=NOW + 2 * NAME_TTL)
    unknown = resolve_owner_names(services, [("salesforce", "005000000000002AAA")], now=NOW + 2 * NAME_TTL)

    assert stale == {ADA: "Ada Lovelace"} and unknown == {}
    assert state.owner_names("salesforce", ["005000000000002AAA"]) == {}  # a failure is not cached as a miss
    assert resolve_owner_names(services, [("salesforce", ADA)], now=NOW + 2 * NAME_TTL) == {ADA: "Ada Lovelace"}
    assert crm.calls["owners"] == 4


def test_a_system_without_an_owner_directory_shows_ids(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state, people=1)
    crm.owners[ADA] = "Ada Lovelace"
    services.systems["salesforce"].owners = None
    assert resolve_owner_names(services, [("salesforce", ADA)], now=NOW) == {} and crm.calls["owners"] == 0


def _breaching_world(make_state: Callable[[], Any]) -> tuple[Any, Any, Any]:
    """One MQL the sync sees on track and the sweep five hours later finds breached (owner: ADA)."""
    services, crm, ma, _ = _world(make_state, people=1)
    crm.owners[ADA] = "Ada Lovelace"
    ma.records["500"]["properties"]["hs_v2_date_entered_marketingqualifiedlead"] = "2026-11-23T14:30:00Z"
    crm.records["00Q000000000000000"]["Status"] = "Marketing Qualified"
    crm.history["00Q000000000000000"][0].update(NewValue="Marketing Qualified", CreatedDate="2026-11-23T14:30:00.000+0000")
    run_sync(services, as_of=AS_OF, dry_run=False)
    return services, crm, ma


def _inbox_handler(received: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    return Inbox


@pytest.fixture
def inbox() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local webhook that apprise's `json://` notifications post to."""
    received: list[dict[str, Any]] = []
    server = HTTPServer(("127.0.0.1", 0), _inbox_handler(received))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"json://127.0.0.1:{server.server_port}/", received
    server.shutdown()
    server.server_close()


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")  # apprise's own import
def test_the_sweep_names_the_breached_leads_owners_in_the_notification_and_its_json(
        make_state: Callable[[], Any], inbox: tuple[str, list[dict[str, Any]]]) -> None:
    services, crm, _ = _breaching_world(make_state)
    url, received = inbox
    notify = notifier(RunSettings(notify_urls=url))  # as the sla-sweep flow builds it

    sweep = run_sla_sweep(services, as_of=AS_OF + timedelta(hours=5))

    assert sweep.report.new_breaches == 1 and sweep.report.owner_names == {ADA: "Ada Lovelace"}
    assert notify_breaches(sweep.report, notify)
    assert len(received) == 1 and f"owner Ada Lovelace ({ADA})" in received[0]["message"]
    entry = plan_document(sweep.report)["sla"][0]
    assert (entry["owner_id"], entry["owner_name"]) == (ADA, "Ada Lovelace")
    assert crm.calls["owners"] == 1


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")  # apprise's own import
def test_the_notification_lists_the_new_breaches_only(
        make_state: Callable[[], Any], inbox: tuple[str, list[dict[str, Any]]]) -> None:
    services, _ = three_mqls_synced_at_closing_time(make_state)  # the first lead is breached and flagged already
    url, received = inbox
    notify = notifier(RunSettings(notify_urls=url))  # as the sla-sweep flow builds it

    sweep = run_sla_sweep(services, as_of=datetime(2026, 11, 24, 17, 5, tzinfo=UTC))  # the second lead breaches

    assert sweep.states.get("breached") == 2 and sweep.report.new_breaches == 1
    assert notify_breaches(sweep.report, notify)
    message = received[0]["message"]
    assert "00Q000000000000001" in message and "00Q000000000000000" not in message, message


def test_a_breach_whose_owner_nobody_can_name_is_notified_with_the_id(make_state: Callable[[], Any]) -> None:
    services, crm, _ = _breaching_world(make_state)
    crm.owners.clear()
    sweep = run_sla_sweep(services, as_of=AS_OF + timedelta(hours=5))
    line = breach_line(sweep.report.sla[0], sweep.report.owner_names)
    assert line.endswith(f"UTC, owner {ADA}")
    assert plan_document(sweep.report)["sla"][0]["owner_name"] is None


def test_explain_shows_each_records_owner_by_name_and_keeps_the_ids(make_state: Callable[[], Any]) -> None:
    services, crm, ma, _ = _world(make_state, people=1)
    crm.owners[ADA] = "Ada Lovelace"
    ma.records["500"]["properties"]["hubspot_owner_id"] = HS_OWNER  # HubSpot's owner nobody can name

    story = explain_lead(services, "00Q000000000000000", AS_OF).as_dict()

    crm_record, ma_record = story["records"]
    assert crm_record["fields"]["owner_id"] == ADA and crm_record["fields"]["owner_name"] == "Ada Lovelace"
    assert ma_record["fields"]["owner_id"] == HS_OWNER and "owner_name" not in ma_record["fields"]
    assert (story["sla"]["owner_id"], story["sla"]["owner_name"]) == (ADA, "Ada Lovelace")
    text = render_story(story)
    assert f"owner=Ada Lovelace ({ADA})" in text and f"owner={HS_OWNER}" in text
    assert f"owner Ada Lovelace ({ADA})" in text  # the SLA line
    assert (crm.calls["owners"], ma.calls["owners"]) == (1, 1)
