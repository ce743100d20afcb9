"""Start both emulators, seed them from a definition, hand out everything a client needs, and put them back to
the seeded state on demand (one sandbox for many tests)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice

from mapping.definition.compiled import CompiledDefinition
from sandbox.definition_schema import hubspot_properties, salesforce_fields
from sandbox.hubspot import HubSpotSandbox, ServedHubSpot
from sandbox.hubspot import Switches as HubSpotSwitches
from sandbox.hubspot.sandbox import DEFAULT_ACCESS_TOKEN, access_token_from_env
from sandbox.hubspot.tiers import DEFAULT_TIER, tier_of
from sandbox.population import HUBSPOT_OWNERS, SALESFORCE_USERS, SeedLead, SeedMix, generate
from sandbox.salesforce import Credentials, SalesforceConnection, SalesforceSandbox

CHUNK = 5_000
DEFAULT_MIX = SeedMix()


@dataclass(frozen=True)
class SandboxSecrets:
    """The credentials both emulators expect. Injectable so a test can send canary values over the real wire."""

    salesforce: Credentials = field(default_factory=Credentials)
    hubspot_access_token: str = field(default=DEFAULT_ACCESS_TOKEN, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxSecrets:
        """LEADSYNC_SANDBOX_SALESFORCE_{USERNAME,PASSWORD,SECURITY_TOKEN,SESSION_ID,CONSUMER_KEY,CONSUMER_SECRET} and
        LEADSYNC_SANDBOX_HUBSPOT_ACCESS_TOKEN, each optional: what is unset keeps the fixed sandbox value."""
        source = os.environ if environ is None else environ
        return cls(Credentials.from_env(source), access_token_from_env(source))


@dataclass(frozen=True)
class SandboxSetup:
    """How `run_sandbox` set both emulators up; a reset sets them up again the same way (same `now`, same data)."""

    definition: CompiledDefinition
    leads: int
    seed: int
    now: datetime
    mix: SeedMix = DEFAULT_MIX
    provisioned: bool = False
    empty: bool = False
    latency_ms: float = 0.0
    jitter_ms: float = 0.0


@dataclass
class SandboxHandle:
    salesforce: SalesforceSandbox
    hubspot: HubSpotSandbox
    sf: SalesforceConnection
    hs: ServedHubSpot
    seeded: Counter[str] = field(default_factory=Counter)
    setup: SandboxSetup | None = None

    def reset(self) -> None:
        """Back to the state `run_sandbox` seeded, servers still up: records, history, schema, picklist values and
        properties, owners, switches, call counters, faults, latency and journals as a fresh sandbox has them.
        Salesforce sessions stay valid, so clients holding the handle's facts keep working."""
        if self.setup is None:
            raise ValueError("this sandbox was not set up by run_sandbox: there is no seeded state to go back to")
        self.salesforce.reset()
        self.hubspot.reset()
        self.seeded = set_up(self.salesforce, self.hubspot, self.setup)

    def facts(self) -> dict[str, dict[str, str]]:
        return {
            "salesforce": {"instance_url": self.sf.instance_url, "username": self.sf.username,
                           "password": self.sf.password, "security_token": self.sf.security_token,
                           "session_id": self.sf.session_id, "ca_bundle": str(self.sf.ca_bundle),
                           # for external tools set up with the OAuth refresh-token flow (a seeded, always-valid token)
                           "consumer_key": self.sf.consumer_key, "consumer_secret": self.sf.consumer_secret,
                           "refresh_token": self.sf.refresh_token},
            "hubspot": {"base_url": self.hs.base_url, "access_token": self.hs.access_token,
                        # for external tools set up with OAuth (the app's refresh token; tokens live 30 minutes)
                        "client_id": self.hubspot.oauth.client_id, "client_secret": self.hubspot.oauth.client_secret,
                        "refresh_token": self.hubspot.oauth.refresh_token},
        }

    def env(self) -> dict[str, str]:
        facts = self.facts()
        sf, hs = facts["salesforce"], facts["hubspot"]
        return {
            "LEADSYNC_SALESFORCE_INSTANCE_URL": sf["instance_url"], "LEADSYNC_SALESFORCE_USERNAME": sf["username"],
            "LEADSYNC_SALESFORCE_PASSWORD": sf["password"], "LEADSYNC_SALESFORCE_SECURITY_TOKEN": sf["security_token"],
            "LEADSYNC_SALESFORCE_SESSION_ID": sf["session_id"], "LEADSYNC_SALESFORCE_CA_BUNDLE": sf["ca_bundle"],
            "LEADSYNC_HUBSPOT_BASE_URL": hs["base_url"], "LEADSYNC_HUBSPOT_ACCESS_TOKEN": hs["access_token"],
        }

    def json_line(self) -> str:
        return json.dumps(self.facts(), sort_keys=True)


def set_up(sf: SalesforceSandbox, hs: HubSpotSandbox, setup: SandboxSetup) -> Counter[str]:
    """Latency, the definition's schema and, unless `setup.empty`, the population; counts per category and system."""
    for sandbox in (sf, hs):
        sandbox.set_latency(setup.latency_ms, setup.jitter_ms)
    add_definition_schema(sf, hs, setup.definition)
    if setup.empty:
        return Counter()
    return seed_sandboxes(sf, hs, setup.definition, setup.leads, setup.seed, setup.now, setup.mix, setup.provisioned)


def add_definition_schema(sf: SalesforceSandbox, hs: HubSpotSandbox, compiled: CompiledDefinition) -> None:
    """The Lead fields and contact properties the definition maps (BANT, lock, score, annotations…), created where the
    stock org and portal lack them: even an empty sandbox runs the definition with no manual set-up."""
    sf.add_lead_fields(salesforce_fields(compiled))
    hs.add_properties(hubspot_properties(compiled))


def seed_sandboxes(sf: SalesforceSandbox, hs: HubSpotSandbox, compiled: CompiledDefinition, leads: int, seed: int,
                   now: datetime, mix: SeedMix = DEFAULT_MIX, provisioned: bool = False) -> Counter[str]:
    """Stream a generated population into both emulators in chunks; counts per category and system."""
    _setup_people(sf, hs)
    if provisioned:
        _provision(sf, compiled)
    live = {status.full_name for status in sf.lead_statuses() if status.active}
    counts: Counter[str] = Counter()
    stream = generate(compiled, leads, seed, now, mix, live)
    while chunk := list(islice(stream, CHUNK)):
        _load_chunk(sf, hs, chunk, counts)
    return counts


def _setup_people(sf: SalesforceSandbox, hs: HubSpotSandbox) -> None:
    sf.add_users({"Id": user_id, "FirstName": "Rep", "LastName": f"{n}", "Username": f"rep{n}@sandbox.example",
                  "Email": f"rep{n}@sandbox.example", "IsActive": True} for n, user_id in enumerate(SALESFORCE_USERS, 1))
    hs.add_owners({"id": owner_id, "email": f"rep{n}@sandbox.example", "firstName": "Rep", "lastName": f"{n}"}
                  for n, owner_id in enumerate(HUBSPOT_OWNERS, 1))


def _provision(sf: SalesforceSandbox, compiled: CompiledDefinition) -> None:
    mapping = compiled.systems["salesforce"].mapping
    field_name = mapping.stage_fields[0].field
    wanted = [(mapping.write_values(s.key) or {}).get(field_name) for s in compiled.definition.stages]
    current = [status.full_name for status in sf.lead_statuses()]
    sf.set_lead_statuses([*current, *(v for v in wanted if v and v not in current)])


def _load_chunk(sf: SalesforceSandbox, hs: HubSpotSandbox, chunk: list[SeedLead], counts: Counter[str]) -> None:
    counts.update(lead.category for lead in chunk)
    counts["salesforce_leads"] += sf.load_leads(r for lead in chunk for r in lead.salesforce)
    sf.add_history(h for lead in chunk for h in lead.history)
    sf.add_tasks(t for lead in chunk for t in lead.tasks)
    counts["hubspot_contacts"] += hs.load_contacts(lead.hubspot for lead in chunk if lead.hubspot is not None)


@contextmanager
def run_sandbox(
    *,
    definition: CompiledDefinition,
    leads: int = 2_000,
    seed: int = 7,
    empty: bool = False,
    latency_ms: float = 0.0,
    jitter_ms: float = 0.0,
    mix: SeedMix = DEFAULT_MIX,
    now: datetime | None = None,
    provisioned: bool = False,
    ports: tuple[int, int] = (0, 0),
    secrets: SandboxSecrets | None = None,
    hubspot_tier: str = DEFAULT_TIER,
    hubspot_search_lag_ms: int = 0,
) -> Iterator[SandboxHandle]:
    """Both emulators serving (Salesforce over TLS), seeded unless `empty`, until the block exits. Either way the org
    and the portal have every field and property `definition` maps (loaded by the caller: the sandbox reads no
    files). `handle.reset()` puts both back to this seeded state.

    The credentials they expect are `secrets`, by default `SandboxSecrets.from_env()` (LEADSYNC_SANDBOX_*, else the
    fixed sandbox values); `handle.env()` hands the same values to a client.

    HubSpot enforces `hubspot_tier`'s published burst and daily limits. Its search index lag stays off (0 ms) unless
    asked for: the tests and benchmarks that start the sandbox here want writes searchable at once, while
    `leadsync sandbox serve` (what users and external tools run) asks for HubSpot's realistic lag by default.
    """
    setup = SandboxSetup(definition, leads, seed, now or datetime.now(UTC), mix, provisioned, empty, latency_ms, jitter_ms)
    chosen = secrets or SandboxSecrets.from_env()
    sf = SalesforceSandbox(seed=seed, credentials=replace(chosen.salesforce))  # a copy: the sandbox adds its JWT key
    tier = tier_of(hubspot_tier)
    hs_switches = HubSpotSwitches(limit_per_10s=tier.per_10s, daily_limit=tier.daily, index_lag_ms=hubspot_search_lag_ms)
    hs = HubSpotSandbox(switches=hs_switches, seed=seed, access_token=chosen.hubspot_access_token)
    seeded = set_up(sf, hs, setup)
    with ExitStack() as stack:
        sf_conn = stack.enter_context(sf.serve(port=ports[0]))
        hs_conn = stack.enter_context(_serve_hubspot(hs, ports[1]))
        yield SandboxHandle(sf, hs, sf_conn, hs_conn, seeded, setup)


@contextmanager
def _serve_hubspot(hs: HubSpotSandbox, port: int) -> Iterator[ServedHubSpot]:
    if port:
        from sandbox.runtime import serve_in_thread

        with serve_in_thread(hs.app(), port=port) as served:
            yield ServedHubSpot(base_url=served.base_url, access_token=hs.access_token, port=served.port)
        return
    with hs.serve() as served:
        yield served
