"""A whole sync against the seeded emulators with annotations on and off: the same write calls, and with them on
the reason and the SLA due time land on the records leadsync corrected; `leadsync stages` lists the fields."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.environment import load_settings
from flows.runs.provision import run_provision
from flows.runs.sync import RunReport, run_sync
from flows.wiring import open_services
from sandbox.launch import SandboxHandle, run_sandbox
from tests.conftest import DEFAULT_DEFINITIONS
from tests.e2e.conftest import wire_environment
from tests.factories import compiled

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
WRITE_CALLS = ("sf.collections.update", "hs.contacts.batch_update")


def _definitions(tmp_path: Path, annotations: bool) -> Path:
    target = tmp_path / ("annotated" if annotations else "plain")
    shutil.copytree(DEFAULT_DEFINITIONS, target, ignore=shutil.ignore_patterns("examples"))
    for name in ("salesforce.yaml", "hubspot.yaml"):
        path = target / name
        text = path.read_text().replace("two_way: false", "two_way: true")
        path.write_text(text if annotations else text.partition("\nannotations:")[0] + "\n")
    return target


@contextmanager
def _world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, definitions: Path) -> Iterator[SandboxHandle]:
    with run_sandbox(definition=compiled(definitions), leads=1_500, seed=11, now=NOW, provisioned=True) as handle:
        wire_environment(monkeypatch, handle, f"sqlite:///{definitions}.db", definitions)
        yield handle


def _sync(handle: SandboxHandle) -> tuple[RunReport, dict[str, int]]:
    for sandbox in (handle.salesforce, handle.hubspot):
        sandbox.calls.reset()
    with open_services(load_settings()) as services:
        report = run_sync(services, as_of=NOW, dry_run=False, allow_mass_change=True)
    calls = {**handle.salesforce.calls.snapshot(), **handle.hubspot.calls.snapshot()}
    return report, {key: calls.get(key, 0) for key in WRITE_CALLS}


def test_annotations_cost_no_write_call_and_land_on_the_corrected_records(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with _world(tmp_path, monkeypatch, _definitions(tmp_path, annotations=False)) as handle:
        plain, off = _sync(handle)
    with _world(tmp_path, monkeypatch, _definitions(tmp_path, annotations=True)) as handle:
        annotated, on = _sync(handle)
        corrected = {c.record_id: c for c in annotated.corrections if c.system == "salesforce" and c.step != 1}
        leads = [handle.salesforce.record(record_id) or {} for record_id in corrected]
        contacts = [handle.hubspot.contact(c.record_id) or {} for c in annotated.corrections
                    if c.system == "hubspot" and c.step != 1]

    print(f"write calls with annotations off {off}, on {on}; corrections {plain.counts()['corrections']}")
    assert len(annotated.corrections) == len(plain.corrections) > 0
    assert on == off and on["sf.collections.update"] > 0 and on["hs.contacts.batch_update"] > 0
    assert annotated.counts()["failed"] == plain.counts()["failed"] == 0
    assert annotated.counts()["applied"] == plain.counts()["applied"]
    for lead in leads:
        reason = str(lead.get("Stage_Reason__c") or "")
        label = compiled().stage(corrected[str(lead["Id"])].stage_after).label
        assert label in reason and "definition v" in reason, reason
    due = [lead for lead in leads if lead.get("SLA_Due__c")]
    assert due, "some corrected leads moved into a stage with an SLA"
    assert all(c["properties"].get("leadsync_stage_reason", "").startswith("Moved to ") for c in contacts)


def test_stages_lists_the_annotation_fields_and_whether_they_exist(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with _world(tmp_path, monkeypatch, _definitions(tmp_path, annotations=True)) as handle:
        handle.salesforce.org.schema["Lead"].remove_field("SLA_Due__c")
        with open_services(load_settings()) as services:
            report = run_provision(services, dry_run=True)

    found = {(a.system, a.role): (a.field, a.present) for a in report.annotations}
    assert found == {
        ("salesforce", "reason"): ("Stage_Reason__c", True),
        ("salesforce", "sla_due"): ("SLA_Due__c", False),
        ("hubspot", "reason"): ("leadsync_stage_reason", True),
        ("hubspot", "sla_due"): ("leadsync_sla_due", True),
    }
