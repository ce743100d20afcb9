"""A reliability world: both emulators, a state store and the settings a run gets, plus what to compare.

Every scenario compares a run under trouble with a fault-free run on the same seed: the final stage values in
both systems, the SLA flag Tasks, the applied writes in the audit log, and the emulators' journal of every write
they carried out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from connectors.definition_files import load_definition
from connectors.settings import HubSpotSettings, RunSettings, SalesforceSettings, Settings, build
from flows.runs.services import CRM, Services
from flows.runs.sync import RunReport, run_sync
from flows.wiring import open_services
from mapping.definition.compiled import compile_definition
from sandbox.launch import SandboxHandle, run_sandbox
from sandbox.runtime import Fault, FaultKind

LEADSYNC = str(Path(sys.executable).with_name("leadsync"))

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = REPO / "definitions"
AS_OF = datetime(2026, 11, 23, 15, tzinfo=UTC)
SEEDED_AT = AS_OF - timedelta(minutes=30)
STAGE_FIELDS = {"salesforce": ("Status",), "hubspot": ("lifecyclestage", "hs_lead_status")}
TIMEOUT_S = 1.5  # client timeout in these scenarios; a SLOW fault answers after SLOW_S
SLOW_S = 2.5
SETTLE_S = 2.0  # after a write without an answer: TIMEOUT_S + SETTLE_S > SLOW_S, so the slow write has landed
TRANSIENT = (FaultKind.RATE_LIMIT, FaultKind.RATE_LIMIT_NO_RETRY_AFTER, FaultKind.UNAVAILABLE,
             FaultKind.BAD_GATEWAY_HTML, FaultKind.CONNECTION_RESET, FaultKind.SLOW)
FAULTED_ENDPOINTS = {"salesforce": ("sf.query*", "sf.collections.*"), "hubspot": ("hs.contacts.*",)}
Write = tuple[str, str, str, str]  # system, record id, field, value ("" for a cleared field)


@dataclass
class World:
    handle: SandboxHandle
    database_url: str
    env: dict[str, str]

    def sync(self, **options: Any) -> RunReport:
        with self.services() as services:
            return run_sync(services, as_of=AS_OF, dry_run=False, allow_mass_change=True, **options)

    def plan(self) -> RunReport:
        """What the next sync would do (a dry run: nothing written)."""
        with self.services() as services:
            return run_sync(services, as_of=AS_OF, dry_run=True)

    @contextmanager
    def services(self) -> Iterator[Services]:
        with open_services(settings_from(self.env)) as services:
            yield services

    def inject_transient(self, rate: float) -> None:
        """`rate` of the calls to the data endpoints fail, spread evenly over the transient fault kinds."""
        share = rate / len(TRANSIENT)
        for system, patterns in FAULTED_ENDPOINTS.items():
            sandbox = self.handle.salesforce if system == CRM else self.handle.hubspot
            for pattern in patterns:
                for kind in TRANSIENT:
                    sandbox.faults.add(Fault(pattern, kind, probability=share, times=None,
                                             delay_s=SLOW_S if kind is FaultKind.SLOW else 1.0))

    def injected(self) -> int:
        return sum(self.handle.salesforce.faults.injected.values()) + sum(self.handle.hubspot.faults.injected.values())

    def calls(self) -> int:
        return self.handle.salesforce.calls.total("sf.") + self.handle.hubspot.calls.total("hs.")

    def final_state(self) -> dict[str, Any]:
        return {"stages": stages(self.handle), "flags": flag_tasks(self.handle)}

    def journal(self) -> Counter[Write]:
        return journal(self.handle)

    def applied(self) -> Counter[Write]:
        return applied_writes(self.database_url)

    def cli(self, command: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """`leadsync <command>` in a process of its own, with this world's environment (and no one else's)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("LEADSYNC_")}
        return subprocess.run([LEADSYNC, *command], env={**base, **self.env, "PREFECT_LOGGING_LEVEL": "WARNING"},
                              capture_output=True, text=True, timeout=timeout, check=False)


def against_reference(prefix: str, leads: int, trial: Callable[[World, dict[str, Any]], Any]) -> Any:
    """A lone sync's end state in one world, then `trial(world, that state)` in a fresh world of the same seed."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        with world(Path(tmp) / "reference", leads) as w:
            w.sync()
            reference = w.final_state()
        with world(Path(tmp) / "trial", leads) as w:
            return trial(w, reference)


@contextmanager
def world(tmp: Path, leads: int, seed: int = 7, **env: str) -> Iterator[World]:
    """A seeded sandbox and a fresh SQLite state store; `env` adds or overrides LEADSYNC_* variables."""
    tmp.mkdir(parents=True, exist_ok=True)
    with run_sandbox(definition=compile_definition(load_definition(DEFINITIONS)), leads=leads, seed=seed, now=SEEDED_AT,
                     provisioned=True) as handle:
        database_url = f"sqlite:///{tmp}/state-{uuid.uuid4().hex[:8]}.db"
        variables = {**handle.env(), "LEADSYNC_DATABASE_URL": database_url, "LEADSYNC_DEFINITIONS": str(DEFINITIONS),
                     "REQUESTS_CA_BUNDLE": handle.facts()["salesforce"]["ca_bundle"],
                     "LEADSYNC_SALESFORCE_TIMEOUT_S": str(TIMEOUT_S), "LEADSYNC_HUBSPOT_TIMEOUT_S": str(TIMEOUT_S),
                     "LEADSYNC_WRITE_SETTLE_S": str(SETTLE_S), "LEADSYNC_MAX_CHANGES": "1000000", **env}
        yield World(handle, database_url, variables)


def an_earlier_sync_long_ago(database_url: str) -> None:
    """Watermarks of a sync in 2001: the next run is incremental over everything, the path that looks each page's
    partners and evidence up at the APIs (a first run pulls both systems whole and makes a fraction of the calls)."""
    from connectors.store.sql_state import open_run_state

    Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    state = open_run_state(database_url)
    try:
        long_ago = datetime(2001, 1, 1, tzinfo=UTC)
        state.record_observations([], {"salesforce": long_ago, "hubspot": long_ago})
    finally:
        state.close()


def settings_from(variables: Mapping[str, str]) -> Settings:
    """The settings object these LEADSYNC_* variables configure: what `load_settings()` reads from an environment
    holding them (a run in this process gets it passed in; a `leadsync` process gets the variables)."""
    def fields(model: type[RunSettings | SalesforceSettings | HubSpotSettings]) -> dict[str, str]:
        prefix = str(model.model_config.get("env_prefix", ""))
        named = {name[len(prefix):].lower(): value for name, value in variables.items() if name.startswith(prefix)}
        return {name: value for name, value in named.items() if name in model.model_fields}

    return Settings(build(RunSettings, **fields(RunSettings)), build(SalesforceSettings, **fields(SalesforceSettings)),
                    build(HubSpotSettings, **fields(HubSpotSettings)))


def stages(handle: SandboxHandle) -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for lead in handle.salesforce.records("Lead"):
        found[("salesforce", str(lead["Id"]))] = tuple(str(lead.get(f) or "") for f in STAGE_FIELDS["salesforce"])
    store = handle.hubspot.portal.store
    for contact_id in store.ordered_ids():
        contact = store.get(contact_id)
        if contact is not None:
            found[("hubspot", str(contact_id))] = tuple(contact.props.get(f) or "" for f in STAGE_FIELDS["hubspot"])
    return found


def flag_tasks(handle: SandboxHandle) -> Counter[tuple[str, str]]:
    return Counter((str(task.get("WhoId")), str(task.get("Subject"))) for task in handle.salesforce.records("Task")
                   if str(task.get("Subject") or "").startswith("[leadsync]"))


def journal(handle: SandboxHandle) -> Counter[Write]:
    """Every stage value the emulators were asked to write through the API and carried out."""
    writes: Counter[Write] = Counter()
    for record_id, values in handle.salesforce.org.journal:
        writes.update(("salesforce", record_id, f, str(values[f] or "")) for f in STAGE_FIELDS["salesforce"] if f in values)
    for contact_id, values in handle.hubspot.portal.store.journal:
        writes.update(("hubspot", contact_id, f, str(values[f] or "")) for f in STAGE_FIELDS["hubspot"] if f in values)
    return writes


def applied_writes(database_url: str) -> Counter[Write]:
    """The audit log's applied writes, as the journal would show them."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT system, record_id, field, after FROM audit_log WHERE kind = 'write' AND status = 'applied'"))
            return Counter((r.system, r.record_id, r.field, r.after or "") for r in rows)
    finally:
        engine.dispose()


def duplicates(writes: Counter[Write]) -> int:
    return sum(n - 1 for n in writes.values() if n > 1)


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> int:
    """Records whose stage values or flag Tasks differ between two final states."""
    stage_a, stage_b = expected["stages"], actual["stages"]
    stage_diff = sum(1 for key in set(stage_a) | set(stage_b) if stage_a.get(key) != stage_b.get(key))
    flags_a, flags_b = expected["flags"], actual["flags"]
    return stage_diff + sum(((flags_a - flags_b) + (flags_b - flags_a)).values())
