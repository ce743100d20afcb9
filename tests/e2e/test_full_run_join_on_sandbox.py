"""A first full run against the emulators joins (DESIGN §8): the same plan as page-by-page lookups, far fewer calls,
HubSpot read once through its list endpoint and never searched, evidence pulled whole instead of by IN-lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.environment import load_settings
from connectors.store.sql_state import open_run_state
from flows.runs.services import Services
from flows.runs.sync import JOIN, LOOKUPS, RunReport, run_sync
from flows.wiring import services_for
from mapping.definition.compiled import CompiledDefinition
from sandbox.launch import SandboxHandle
from tests.conftest import DEFAULT_DEFINITIONS
from tests.factories import compiled

pytestmark = pytest.mark.e2e


def _dry_run(world: SandboxHandle, definition: CompiledDefinition, database: Path, as_of: datetime, *, join: bool
             ) -> tuple[RunReport, dict[str, int]]:
    for sandbox in (world.salesforce, world.hubspot):
        sandbox.calls.reset()
    state = open_run_state(f"sqlite:///{database}")
    try:
        with services_for(definition, load_settings(), state) as services:
            chosen = services if join else _without_whole_pulls(services)
            report = run_sync(chosen, as_of=as_of, dry_run=True)
    finally:
        state.close()
    return report, {**world.salesforce.calls.snapshot(), **world.hubspot.calls.snapshot()}


def _without_whole_pulls(services: Services) -> Services:
    systems = {name: replace(ports, whole=None, whole_evidence=None) for name, ports in services.systems.items()}
    plain = Services(services.compiled, systems, services.state, services.settings)
    plain.clock = services.clock
    return plain


def _plan(report: RunReport) -> dict[str, Any]:
    def by_text(items: list[Any]) -> list[str]:
        return sorted(repr(item) for item in items)

    return {"corrections": by_text(report.corrections), "skipped": by_text(report.skipped),
            "violations": by_text(report.violations), "duplicates": by_text(report.duplicates),
            "sla": by_text(report.sla), "counts": {k: v for k, v in report.counts().items() if k != "whole_pulls"}}


def _total(calls: dict[str, int], prefix: str) -> int:
    return sum(n for key, n in calls.items() if key.startswith(prefix))


def test_a_first_full_run_joins_with_the_same_plan_and_far_fewer_calls(world: SandboxHandle, tmp_path: Path) -> None:
    definition, as_of = compiled(DEFAULT_DEFINITIONS), datetime.now(UTC)
    looked_up, lookup_calls = _dry_run(world, definition, tmp_path / "lookups.db", as_of, join=False)
    joined, join_calls = _dry_run(world, definition, tmp_path / "join.db", as_of, join=True)
    print(f"lookups: {lookup_calls}\njoin: {join_calls}")

    assert (looked_up.path, joined.path) == (LOOKUPS, JOIN)
    assert _plan(joined) == _plan(looked_up)
    assert joined.corrections and joined.sla and joined.records_seen > 400
    assert join_calls.get("hs.contacts.search", 0) == join_calls.get("hs.contacts.batch_read", 0) == 0
    assert join_calls["hs.contacts.list"] == -(-len(world.hubspot.portal.store) // 100)
    assert _total(join_calls, "sf.") <= 10 < _total(lookup_calls, "sf.")
    assert 2 * _total(join_calls, "") < _total(lookup_calls, "")
