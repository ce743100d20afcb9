"""The funnel end to end over in-memory systems, on every state store: the sync keeps the rows, a rebuild from the
snapshots makes the same ones, the drift names why the systems differ, the CLI's JSON keeps its keys, the weekly
report carries the funnel with its charts."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.store.sql_state import open_run_state
from flows.cli.app import app
from flows.render.funnel import funnel_charts, render_funnel_markdown
from flows.render.report import render_report_html, render_report_markdown
from flows.runs.funnel import FunnelQuery, build_funnel, funnel_document
from flows.runs.report import gather
from flows.runs.sync import run_sync
from mapping.funnel_periods import PeriodKind
from tests.factories import DEFAULT, at, hs_contact, sf_lead, sf_stamp
from tests.flows.test_sync_run import AS_OF, _world

KEYS = ["since", "until", "period", "by", "rebuilt_records", "stages", "periods", "entered", "at_period_end", "cohorts",
        "velocity", "sla_trend", "drift", "drift_totals", "drift_reasons"]
WEEKLY = FunnelQuery(AS_OF, period=PeriodKind.WEEK)
ADA = "005000000000001AAA"  # the owner tests.factories gives every Salesforce lead


def _last_week(document: dict[str, Any], table: str) -> dict[str | None, Any]:
    last = document["periods"][-1]["label"]
    return {row["stage"]: row for row in document[table] if row["period"] == last}


def test_the_sync_keeps_the_rows_and_the_drift_shows_the_crm_behind_the_definition(make_state: Callable[[], Any]) -> None:
    services, _, _, state = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=True)

    document = funnel_document(build_funnel(services, WEEKLY))

    assert document["rebuilt_records"] == 0  # the sync kept them
    drift = _last_week(document, "drift")
    assert (drift["inquiry"]["salesforce"], drift["inquiry"]["definition"]) == (4, 0)  # Salesforce lags: not yet MQLs
    assert (drift["mql"]["hubspot"], drift["mql"]["definition"]) == (4, 4)
    assert document["drift_totals"][0]["period"] == "2026-W44"  # the weeks before anyone was there are left out
    assert document["drift_totals"][-1] == {"period": document["periods"][-1]["label"], "salesforce": 4, "hubspot": 4,
                                            "definition": 4}
    assert sum(state.funnel_versions().values()) == 8


def test_the_reasons_are_counted_at_each_period_end_and_unknown_before_the_sync_saw_them(
        make_state: Callable[[], Any]) -> None:
    services, _, _, _ = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=True)  # Monday of 2026-W48

    document = funnel_document(build_funnel(services, FunnelQuery(AS_OF + timedelta(days=1), period=PeriodKind.WEEK)))

    # HubSpot made them MQLs on Nov 5 (2026-W45); Salesforce still says inquiry. Why, the sync saw on Nov 23 only.
    assert document["drift_reasons"] == [
        {"period": week, "system": "salesforce", "stage": "inquiry", "reason": reason, "records": 4}
        for week, reason in [("2026-W45", "unknown"), ("2026-W46", "unknown"), ("2026-W47", "unknown"),
                             ("2026-W48", "lag")]]


def test_periods_before_anyone_was_there_are_left_out_and_empty_ones_between_kept(
        make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state)
    september = at(10, month=9)
    record, history = sf_lead("00Q000000000090AAA", "Open - Not Contacted", "early@example.com", entered=september,
                              CreatedDate=sf_stamp(september))
    crm.load([record])
    crm.history[record["Id"]] = history
    run_sync(services, as_of=AS_OF, dry_run=True)

    document = funnel_document(build_funnel(services, FunnelQuery(AS_OF, since=date(2026, 1, 1))))

    assert [p["label"] for p in document["periods"]] == ["2026-09", "2026-10", "2026-11"]
    assert [(t["period"], t["salesforce"]) for t in document["drift_totals"]] == [
        ("2026-09", 1), ("2026-10", 1), ("2026-11", 5)]
    assert {row["period"] for row in document["entered"]} == {"2026-09", "2026-11"}  # nobody entered in October


def test_a_rebuild_from_the_snapshots_makes_the_rows_the_sync_made(make_state: Callable[[], Any]) -> None:
    services, _, _, _ = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=True)
    kept = funnel_document(build_funnel(services, WEEKLY))

    rebuilt = funnel_document(build_funnel(services, WEEKLY, rebuild=True))

    assert rebuilt.pop("rebuilt_records") == 8 and kept.pop("rebuilt_records") == 0
    assert rebuilt == kept


def test_after_corrections_a_rebuild_reads_the_systems_as_leadsync_left_them(make_state: Callable[[], Any]) -> None:
    services, _, _, _ = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=False)  # Salesforce is corrected to MQL at AS_OF

    document = funnel_document(build_funnel(services, FunnelQuery(AS_OF + timedelta(hours=1), period=PeriodKind.WEEK),
                                            rebuild=True))

    drift = _last_week(document, "drift")
    assert (drift["mql"]["salesforce"], drift["mql"]["hubspot"], drift["mql"]["definition"]) == (4, 4, 4)
    assert _last_week(document, "drift_reasons") == {}
    assert {row["reason"] for row in document["drift_reasons"]} == {"unknown"}  # a rebuild saw them first at AS_OF


def _by_the_definition(document: dict[str, Any]) -> dict[str, Any]:
    """The funnel's counts by the definition: everything but each system's own columns and the drift reasons."""
    return {"entered": document["entered"], "at_period_end": document["at_period_end"], "cohorts": document["cohorts"],
            "velocity": document["velocity"],
            "drift": [(row["period"], row["stage"], row["definition"]) for row in document["drift"]]}


def test_a_rebuild_right_after_an_applied_sync_counts_what_the_sync_counted(make_state: Callable[[], Any]) -> None:
    # Besides the four leads it corrects: two whose HubSpot contact says Recycled after Salesforce moved them to SAL
    # (the definition keeps SAL, re-entered when the run decides it: a date no history gives), one whose contact
    # claims MQL without a date.
    services, crm, ma, _ = _world(make_state)
    for n, (status, lifecycle, lead_status) in enumerate([("Sales Accepted", "lead", "BAD_TIMING"),
                                                          ("Sales Accepted", "lead", "BAD_TIMING"),
                                                          ("Open - Not Contacted", "marketingqualifiedlead", None)]):
        record, history = sf_lead(f"00Q{10 + n:015d}", status, f"q{n}@example.com", entered=at(3))
        crm.load([record])
        crm.history[record["Id"]] = history
        ma.load([hs_contact(str(600 + n), lifecycle, f"q{n}@example.com", score=70, lead_status=lead_status,
                            lastmodifieddate="2026-11-20T12:00:00Z")])
    run_sync(services, as_of=AS_OF, dry_run=False)
    query = FunnelQuery(AS_OF + timedelta(days=1), period=PeriodKind.WEEK)  # the day after: the run's moves count
    kept = funnel_document(build_funnel(services, query))

    rebuilt = funnel_document(build_funnel(services, query, rebuild=True))

    assert rebuilt["rebuilt_records"] == 14 and kept["rebuilt_records"] == 0
    assert _by_the_definition(rebuilt) == _by_the_definition(kept)
    assert _last_week(kept, "at_period_end")["sal"]["people"] == 2


def test_rows_of_another_definition_version_are_rebuilt_before_counting(make_state: Callable[[], Any]) -> None:
    services, _, _, state = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=True)
    state.clear_funnel()  # as a store that has snapshots but no funnel rows yet (made before them)

    assert build_funnel(services, WEEKLY).rebuilt == 8


def test_by_owner_groups_people_and_names_owners(make_state: Callable[[], Any]) -> None:
    services, crm, _, _ = _world(make_state)
    crm.owners["005000000000001AAA"] = "Ada Lovelace"
    run_sync(services, as_of=AS_OF, dry_run=False)

    funnel = build_funnel(services, FunnelQuery(AS_OF, period=PeriodKind.WEEK, by="owner"))
    markdown = render_funnel_markdown(funnel)

    assert {group for _, _, group in funnel.tables.entered} == {"005000000000001AAA"}
    assert "Ada Lovelace (005000000000001AAA)" in markdown
    assert "| 2026-W44 | Ada Lovelace (005000000000001AAA) | 4 | 0 |" in markdown  # created on Sunday Nov 1
    assert "| 2026-W45 | Ada Lovelace (005000000000001AAA) | 0 | 4 |" in markdown  # MQLs by HubSpot on Nov 5


def test_the_cli_prints_json_with_fixed_keys_and_refuses_a_bad_date(make_state: Callable[[], Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    services, _, _, _ = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=True)
    monkeypatch.setattr("flows.cli.funnel.funnel_services", lambda definitions: nullcontext(services))

    shown = CliRunner().invoke(app, ["funnel", "--until", "2026-11-23", "--period", "week", "--by", "source", "--json"])
    document = json.loads(shown.output)
    empty = CliRunner().invoke(app, ["funnel", "--since", "2031-01-01", "--until", "2030-01-01", "--json"])
    bad = CliRunner().invoke(app, ["funnel", "--since", "last tuesday"])

    assert shown.exit_code == 0 and list(document) == KEYS
    assert (document["period"], document["by"], len(document["periods"])) == ("week", "source", 5)  # from 2026-W44
    assert {tuple(row) for row in document["cohorts"]} == {("period", "stage", "group", "entered", "reached", "side",
                                                            "open", "outcomes")}
    assert (empty.exit_code, bad.exit_code) == (2, 2)


def test_the_cli_needs_no_credentials_and_shows_owners_never_named_by_id(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    services, _, _, state = _world(lambda: open_run_state(url))
    run_sync(services, as_of=AS_OF, dry_run=False)  # funnel rows, and SLA clocks of an owner whose name is not cached
    state.close()
    for name in [name for name in os.environ if name.startswith("LEADSYNC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", url)
    monkeypatch.setenv("LEADSYNC_DEFINITIONS", str(DEFAULT))
    monkeypatch.setattr("flows.wiring.open_services", _no_connectors)
    command = ["funnel", "--until", "2026-11-23", "--period", "week"]

    unnamed = CliRunner().invoke(app, command)
    store = open_run_state(url)
    store.save_owner_names("salesforce", {ADA: "Ada Lovelace"}, datetime(2020, 1, 1, tzinfo=UTC))  # stale, still shown
    store.close()
    named = CliRunner().invoke(app, command)

    assert unnamed.exit_code == 0 and "## People entering each stage" in unnamed.output
    assert "| 2026-W45 | Marketing Qualified Lead | 005000000000001AAA | 0 | 0 | 4 | 0 | 0 | 0% |" in unnamed.output
    assert unnamed.output.count("Owner names were not looked up") == 1
    assert named.exit_code == 0 and f"Ada Lovelace ({ADA})" in named.output and "not looked up" not in named.output


def _no_connectors(*args: object, **kwargs: object) -> None:
    raise AssertionError("the funnel wired the systems' connectors without their credentials")


def test_the_weekly_report_carries_the_funnel_tables_and_charts(make_state: Callable[[], Any]) -> None:
    services, _, _, _ = _world(make_state)
    run_sync(services, as_of=AS_OF, dry_run=False)

    data = gather(services, as_of=AS_OF, days=7)
    markdown = render_report_markdown(services, data)
    page = render_report_html(services, data)

    assert "## Funnel — People entering each stage" in markdown and "## Funnel — Drift: each system" in markdown
    assert data.funnel is not None and funnel_charts(data.funnel) in page
    assert page.count("<svg") >= 5 and "<script" not in page
