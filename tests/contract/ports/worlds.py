"""Worlds for the port contract suites: one implementation of a system's ports, and a way to put data into it.

Each suite in this folder runs its behaviours over every world that implements its port:

  <system>-fake       `connectors.fakes.FakeSystem`, in memory
  <system>-emulator   the vendor connector over HTTP to a freshly started emulator (sandbox/), unmodified clients
  <system>-cassette   the vendor connector replaying recorded traffic (tests/contract/cassettes.py). It cannot seed
                      data: it offers the records it finds instead, so only behaviours that hold for any data run on it.
                      `LEADSYNC_RECORD=1` re-records against a seeded sandbox, or against a real org and portal when
                      LEADSYNC_SALESFORCE_* / LEADSYNC_HUBSPOT_* are set.

A behaviour seeds through the world (`leads`, `add_history`, `add_owners`, …) in the same terms for every system, and
asserts through the port; where it must look inside the system (calls made, flags present), the world answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.fakes.system import OWNER_BATCH, FakeSystem
from connectors.hubspot.connector import HubSpotConnector
from connectors.ports import EvidenceSource, LeadSource, OwnerDirectory, PicklistAdmin, SlaFlagWriter, StageWriter, TimeWindow
from connectors.salesforce.connector import SalesforceConnector
from connectors.settings import HubSpotSettings, SalesforceSettings
from mapping.plan import Correction
from mapping.sla import SlaEntry
from mapping.sla_clock import SlaState
from mapping.stage_diff import PicklistValue, diff_stages
from tests.contract.cassettes import PLACEHOLDER_HOST, cassette_vcr, played, recording
from tests.factories import compiled

DEFAULT = compiled()
EVER = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
SEEDED_FROM = datetime(2026, 10, 1, tzinfo=UTC)  # seeded records are stamped a second apart from here
FLAG_FIELD = "SLA_Breached_At__c"  # the Lead datetime field of the flag-field world


@dataclass(frozen=True)
class Shape:
    """What a system is like, whatever implements it: ids, page and batch sizes, the fields a behaviour writes."""

    system: str
    id_of: Callable[[int], str]
    unknown_id: str  # shaped like an id, held by no record
    owner_id_of: Callable[[int], str]
    page: int  # records in one page of a pull
    write_batch: int  # records in one write call
    tick: timedelta  # the precision a window is asked at
    email_trims: bool  # a lookup by email ignores surrounding spaces
    stage_field: str  # the field every pulled record carries
    picklist_field: str
    known_values: tuple[str, ...]  # in the picklist field of any org or portal
    write: tuple[str, str | None, str]  # field, value before, value a correction writes
    steps: tuple[str, str, str | None, str]  # field, value before, value of step 1, value of step 2

    def correction(self, record_id: str) -> Correction:
        """The plain write a behaviour makes: `write`'s field from its value before to its value after."""
        name, before, after = self.write
        return Correction(self.system, record_id, name, before, after, None, "contract", "contract_rule",
                          "a contract test", "1")

    def step(self, record_id: str, step: int) -> Correction:
        """Step 1 or 2 of a two-step write (`steps`), each of which must go in its own call."""
        name, before, first, second = self.steps
        return Correction(self.system, record_id, name, before, first if step == 1 else second, None, "contract",
                          "contract_rule", "a contract test", "1", step=step)

    def record_id(self, record: dict[str, Any]) -> str:
        return str(record["Id"] if self.system == "salesforce" else record["id"])

    def values(self, record: dict[str, Any]) -> dict[str, Any]:
        return dict(record if self.system == "salesforce" else record["properties"])

    def wanted_values(self) -> list[str]:
        """The values the definition needs in the picklist field."""
        return [v.value for v in diff_stages(DEFAULT, self.system, self.picklist_field, []).to_add]


SALESFORCE = Shape("salesforce", lambda n: f"00Q7{n:011d}AAA", "00Q900000000000AAA", lambda n: f"0057{n:011d}AAA",
                   page=2_000, write_batch=200, tick=timedelta(seconds=1), email_trims=False, stage_field="Status",
                   picklist_field="Status", known_values=("Open - Not Contacted",),
                   write=("Status", "Open - Not Contacted", "Marketing Qualified"),
                   steps=("Status", "Open - Not Contacted", "Working - Contacted", "Marketing Qualified"))
HUBSPOT = Shape("hubspot", lambda n: str(n + 1), "99999999", lambda n: str(80_000 + n),
                page=200, write_batch=100, tick=timedelta(milliseconds=1), email_trims=True,
                stage_field="lifecyclestage", picklist_field="hs_lead_status",
                known_values=("NEW", "IN_PROGRESS", "UNQUALIFIED"), write=("hs_lead_status", None, "IN_PROGRESS"),
                steps=("lifecyclestage", "other", None, "marketingqualifiedlead"))
SHAPES = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
SF_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Marketing Qualified", "Closed - Converted"]
# What a fresh org and portal accept (the fakes start as the emulators do)
FRESH_PICKLISTS = {"salesforce": ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                                  "Closed - Not Converted"],
                   "hubspot": ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
                               "CONNECTED", "BAD_TIMING"]}


def stamp(n: int) -> datetime:
    return SEEDED_FROM + timedelta(seconds=n)


def breach(system: str, record_id: str, owner_id: str | None, stage: str = "mql") -> SlaEntry:
    due = datetime(2026, 11, 20, 18, tzinfo=UTC)
    return SlaEntry(system, record_id, stage, SlaState.BREACHED, due - timedelta(days=1), False, None, due,
                    due - timedelta(hours=4), due + timedelta(minutes=5), owner_id)


@dataclass
class World:
    """One implementation of a system's ports. Subclasses seed and look inside; the ports are the ones to test."""

    name: str
    shape: Shape
    source: LeadSource
    writer: StageWriter
    picklist: PicklistAdmin
    owners: OwnerDirectory
    evidence: EvidenceSource | None = None
    flags: SlaFlagWriter | None = None
    owners_per_call: int = 0
    seeds: bool = True  # False: a replay, which finds records instead of seeding them
    _next: int = field(default=0, init=False)

    def leads(self, count: int, *, modified: datetime | None = None, emails: list[str] | None = None,
              stage: str | None = None, owner_id: str | None = None) -> list[str]:
        """`count` new lead records (stamped a second apart unless `modified`); their ids."""
        first, self._next = self._next, self._next + count
        ids = [self.shape.id_of(n) for n in range(first, first + count)]
        self._load([(n, record_id, modified or stamp(n), emails[i] if emails else f"p{n}@x.io", stage, owner_id)
                    for i, (n, record_id) in enumerate(zip(range(first, first + count), ids, strict=True))])
        return ids

    def owners_known(self, count: int) -> list[str]:
        """Ids of `count` owners the system knows by name."""
        ids = [self.shape.owner_id_of(n) for n in range(1, count + 1)]
        self.add_owners({owner_id: f"Rep {n}" for n, owner_id in enumerate(ids, start=1)})
        return ids

    def _load(self, rows: list[tuple[int, str, datetime, str, str | None, str | None]]) -> None:
        raise NotImplementedError

    def add_history(self, record_ids: list[str]) -> None:
        raise NotImplementedError

    def add_work(self, record_ids: list[str]) -> None:
        raise NotImplementedError

    def add_owners(self, names: dict[str, str]) -> None:
        raise NotImplementedError

    def calls(self, operation: str) -> int:
        """Calls made so far of `operation`: pull, read, write, evidence, owners, picklist_write."""
        raise NotImplementedError

    def flag(self, record_id: str) -> Any:
        """The breach flag the system shows on a record (None when there is none)."""
        raise NotImplementedError


# --- fakes ----------------------------------------------------------------------------------------------------------


class FakeWorld(World):
    fake: FakeSystem

    @classmethod
    def open(cls, system: str) -> FakeWorld:
        fake = FakeSystem(system)
        shape = SHAPES[system]
        fake.picklists[shape.picklist_field] = [PicklistValue(value, value) for value in FRESH_PICKLISTS[system]]
        world = cls(f"{system}-fake", shape, fake, fake, fake, fake, evidence=fake, flags=fake,
                    owners_per_call=OWNER_BATCH[system])
        world.fake = fake
        return world

    def _load(self, rows: list[tuple[int, str, datetime, str, str | None, str | None]]) -> None:
        for n, record_id, modified, email, stage, owner_id in rows:
            if self.shape is SALESFORCE:
                wire = modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
                self.fake.load([{"Id": record_id, "LastName": f"L{n}", "Company": "Acme", "Email": email,
                                 "Status": stage or "Open - Not Contacted", "IsConverted": False, "OwnerId": owner_id,
                                 "SystemModstamp": wire, "LastModifiedDate": wire, "CreatedDate": wire}])
            else:
                wire = modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                self.fake.load([{"id": record_id, "properties": {
                    "hs_object_id": record_id, "email": email, "lifecyclestage": stage or "lead",
                    "hubspot_owner_id": owner_id, "lastmodifieddate": wire, "createdate": wire}}])

    def add_history(self, record_ids: list[str]) -> None:
        for record_id in record_ids:
            self.fake.history.setdefault(record_id, []).append({"LeadId": record_id, "Field": "Status",
                                                                 "NewValue": "Open - Not Contacted"})

    def add_work(self, record_ids: list[str]) -> None:
        for record_id in record_ids:
            self.fake.activities.setdefault(record_id, []).append({"WhoId": record_id, "Subject": "Call"})

    def add_owners(self, names: dict[str, str]) -> None:
        self.fake.owners.update(names)

    def calls(self, operation: str) -> int:
        return self.fake.calls[operation]

    def flag(self, record_id: str) -> Any:
        return self.fake.flags.get(record_id)


# --- emulators ------------------------------------------------------------------------------------------------------


class SalesforceEmulatorWorld(World):
    sandbox: Any

    @classmethod
    @contextmanager
    def open(cls, monkeypatch: pytest.MonkeyPatch, flag_field: str | None = None) -> Iterator[SalesforceEmulatorWorld]:
        from sandbox.salesforce import SalesforceSandbox

        sandbox = SalesforceSandbox(seed=3)
        if flag_field:
            sandbox.add_lead_fields([(flag_field, "datetime")])
        with sandbox.serve() as connection:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(connection.ca_bundle))
            settings = SalesforceSettings(instance_url=connection.instance_url, session_id=connection.session_id,
                                          ca_bundle=connection.ca_bundle, sla_flag_field=flag_field)
            connector = SalesforceConnector(settings, DEFAULT)
            name = "salesforce-emulator" + ("-flag-field" if flag_field else "")
            world = cls(name, SALESFORCE, connector.source, connector.writer, connector.picklist, connector.owners,
                        evidence=connector.source, flags=connector.writer, owners_per_call=473)
            world.sandbox = sandbox
            world.flag_field = flag_field
            try:
                yield world
            finally:
                connector.close()

    flag_field: str | None = None

    def _load(self, rows: list[tuple[int, str, datetime, str, str | None, str | None]]) -> None:
        self.sandbox.set_lead_statuses(SF_STATUSES)  # values the behaviours write; a fresh org lacks some
        loaded = []
        for n, record_id, modified, email, stage, owner_id in rows:
            wire = modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
            row = {"Id": record_id, "LastName": f"L{n}", "Company": "Acme", "Email": email,
                   "Status": stage or "Open - Not Contacted", "SystemModstamp": wire, "LastModifiedDate": wire,
                   "CreatedDate": wire}
            loaded.append(row | ({"OwnerId": owner_id} if owner_id else {}))
        self.sandbox.load_leads(loaded)

    def add_history(self, record_ids: list[str]) -> None:
        self.sandbox.add_history([{"LeadId": i, "Field": "Status", "NewValue": "Open - Not Contacted"}
                                  for i in record_ids])

    def add_work(self, record_ids: list[str]) -> None:
        self.sandbox.add_tasks([{"WhoId": i, "Subject": "Call"} for i in record_ids])

    def add_owners(self, names: dict[str, str]) -> None:
        add_salesforce_users(self.sandbox, names)

    def calls(self, operation: str) -> int:
        counted = self.sandbox.calls.snapshot()
        queries = counted.get("sf.query", 0) + counted.get("sf.query_more", 0)
        return {"write": counted.get("sf.collections.update", 0), "picklist_write": counted.get("sf.metadata.update", 0)
                }.get(operation, queries)

    def flag(self, record_id: str) -> Any:
        if self.flag_field:
            return (self.sandbox.record(record_id) or {}).get(self.flag_field)
        open_tasks = [t for t in self.sandbox.records("Task") if t.get("WhoId") == record_id
                      and str(t.get("Subject", "")).startswith("[leadsync]") and t.get("Status") != "Completed"]
        return len(open_tasks) or None


def add_salesforce_users(sandbox: Any, names: dict[str, str], active: bool = True) -> None:
    rows = []
    for owner_id, name in names.items():
        first, _, last = name.partition(" ")
        rows.append({"Id": owner_id, "FirstName": first, "LastName": last, "Username": f"{owner_id}@corp.example",
                     "IsActive": active})
    sandbox.add_users(rows)


class HubSpotEmulatorWorld(World):
    sandbox: Any

    @classmethod
    @contextmanager
    def open(cls) -> Iterator[HubSpotEmulatorWorld]:
        from sandbox.hubspot import HubSpotSandbox, Switches

        sandbox = HubSpotSandbox(switches=Switches(limit_per_10s=None, search_per_second=None), seed=3)
        with sandbox.serve() as served:
            connector = HubSpotConnector(hubspot_settings(served), DEFAULT)
            world = cls("hubspot-emulator", HUBSPOT, connector.source, connector.writer, connector.picklist,
                        connector.owners, owners_per_call=500)
            world.sandbox = sandbox
            try:
                yield world
            finally:
                connector.close()

    def _load(self, rows: list[tuple[int, str, datetime, str, str | None, str | None]]) -> None:
        self.sandbox.load_contacts(
            {"id": record_id, "email": email, "lifecyclestage": stage or "lead",
             "lastmodifieddate": modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
             **({"hubspot_owner_id": owner_id} if owner_id else {})}
            for _, record_id, modified, email, stage, owner_id in rows)

    def add_owners(self, names: dict[str, str]) -> None:
        add_hubspot_owners(self.sandbox, names)

    def calls(self, operation: str) -> int:
        endpoint = {"pull": "hs.contacts.search", "read": "hs.contacts.batch_read", "write": "hs.contacts.batch_update",
                    "owners": "hs.owners.list", "picklist_write": "hs.properties.update"}[operation]
        return int(self.sandbox.calls.snapshot().get(endpoint, 0))


def hubspot_settings(served: Any) -> HubSpotSettings:
    return HubSpotSettings(access_token=served.access_token, base_url=served.base_url, search_calls_per_s=1000,
                           calls_per_10s=10_000)


def add_hubspot_owners(sandbox: Any, names: dict[str, str], archived: bool = False) -> None:
    rows = []
    for owner_id, name in names.items():
        first, _, last = name.partition(" ")
        rows.append({"id": owner_id, "email": f"{owner_id}@corp.example", "firstName": first, "lastName": last,
                     "archived": archived})
    sandbox.add_owners(rows)


# --- cassettes ------------------------------------------------------------------------------------------------------


class CassetteWorld(World):
    """Recorded traffic: the records are whatever the recording found (leads of the first page of the whole window)."""

    connector: Any

    @classmethod
    @contextmanager
    def open(cls, system: str, cassette: str) -> Iterator[CassetteWorld]:
        """`cassette`: a path under the cassette library (tests/contract/cassettes.CASSETTES, read when opened)."""
        with cassette_vcr().use_cassette(cassette) as recorded, _live_connectors() as (sf, hs):
            connector = sf if system == "salesforce" else hs
            world = cls(f"{system}-cassette", SHAPES[system], connector.source, connector.writer, connector.picklist,
                        connector.owners, evidence=connector.source if system == "salesforce" else None, seeds=False)
            world.connector = connector
            yield world
        assert played(recorded) > 0, "this cassette played no request: it would be a unit test"

    def leads(self, count: int, **seeding: Any) -> list[str]:
        assert not seeding, "a replay cannot seed records: this behaviour cannot run on a cassette"
        page = next(iter(self.source.iter_changed(EVER)))
        if self.shape is SALESFORCE:
            return [r["Id"] for r in page if not r["IsConverted"]][:count]  # a converted lead refuses writes
        return [c["id"] for c in page][:count]

    def owners_known(self, count: int) -> list[str]:
        if self.shape is SALESFORCE:
            leads = next(self.connector.api.query_pages("SELECT OwnerId FROM Lead ORDER BY Id LIMIT 50"))
            return sorted({str(r["OwnerId"]) for r in leads})[:count]
        listed = self.connector.api.run("owners", lambda timeout: self.connector.api.owners_api.get_page_with_http_info(
            limit=count, _request_timeout=timeout))
        return [str(owner.id) for owner in listed.results]


@contextmanager
def _live_connectors() -> Iterator[tuple[SalesforceConnector, HubSpotConnector]]:
    """Placeholders on replay; while recording, a seeded sandbox unless real credentials are set."""
    if not recording():
        sf = SalesforceSettings(instance_url=PLACEHOLDER_HOST, session_id="<SESSION_ID>")
        hs = HubSpotSettings(access_token="<TOKEN>", base_url=PLACEHOLDER_HOST, search_calls_per_s=1000)
        yield SalesforceConnector(sf, DEFAULT), HubSpotConnector(hs, DEFAULT)
        return
    if os.environ.get("LEADSYNC_SALESFORCE_INSTANCE_URL") or os.environ.get("LEADSYNC_SALESFORCE_USERNAME"):
        yield SalesforceConnector(SalesforceSettings(), DEFAULT), HubSpotConnector(HubSpotSettings(), DEFAULT)
        return
    from sandbox.launch import run_sandbox

    with ExitStack() as stack:
        handle = stack.enter_context(run_sandbox(definition=DEFAULT, leads=300, seed=21, provisioned=True,
                                                 now=datetime(2026, 11, 23, tzinfo=UTC)))
        facts = handle.facts()
        sf = SalesforceSettings(instance_url=facts["salesforce"]["instance_url"],
                                session_id=facts["salesforce"]["session_id"], ca_bundle=facts["salesforce"]["ca_bundle"])
        hs = HubSpotSettings(access_token=facts["hubspot"]["access_token"], base_url=facts["hubspot"]["base_url"])
        yield SalesforceConnector(sf, DEFAULT), HubSpotConnector(hs, DEFAULT)


# --- choosing a world -------------------------------------------------------------------------------------------------


@contextmanager
def open_world(name: str, request: pytest.FixtureRequest) -> Iterator[World]:
    """The world called `name` (see the module docstring), closed after the test."""
    system, _, kind = name.partition("-")
    if kind == "fake":
        yield FakeWorld.open(system)
    elif kind == "cassette":
        port = Path(str(request.node.path)).stem.removeprefix("test_")
        behaviour = request.node.originalname.removeprefix("test_")
        with CassetteWorld.open(system, f"{port}/{system}-{behaviour}.yaml") as world:
            yield world
    elif system == "salesforce":
        flag_field = FLAG_FIELD if kind == "emulator-flag-field" else None
        with SalesforceEmulatorWorld.open(request.getfixturevalue("monkeypatch"), flag_field) as sf_world:
            yield sf_world
    else:
        with HubSpotEmulatorWorld.open() as hs_world:
            yield hs_world

