"""`HubSpotSandbox`: one portal behind a Starlette app; counters, faults, latency, limits, a Python API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any

from starlette.applications import Starlette

from sandbox.runtime import CallCounter, Fault, FaultKind, FaultPlan, Latency, serve_in_thread

from .app import build_app
from .limits import RateLimiter
from .oauth import OAuthApp
from .portal import Portal
from .render import history_of
from .schema import FIELD_TYPES, SALESFORCE_PROPERTIES, Option
from .seeding import load_rows
from .switches import Switches
from .timestamps import Clock, wall_clock_ms

DEFAULT_ACCESS_TOKEN = "pat-na1-sandbox-token"  # a fake token for a local emulator
ACCESS_TOKEN_ENV = "LEADSYNC_SANDBOX_HUBSPOT_ACCESS_TOKEN"  # set: the token the sandbox expects instead


def access_token_from_env(environ: Mapping[str, str]) -> str:
    """The token a sandbox started from this environment expects: the variable when set and non-empty, else the default."""
    return environ.get(ACCESS_TOKEN_ENV) or DEFAULT_ACCESS_TOKEN


@dataclass(frozen=True)
class ServedHubSpot:
    """A running sandbox: pass `base_url` as the client's `host=` (and `base_url=`) and `access_token`."""

    base_url: str
    access_token: str
    port: int


class HubSpotSandbox:
    """The HubSpot emulator; state is editable through this object while it serves."""

    def __init__(
        self,
        *,
        switches: Switches | None = None,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        latency: Latency | None = None,
        faults: Iterable[Fault] = (),
        seed: int = 0,
        clock: Clock = wall_clock_ms,
        portal_id: int = 40_000_001,
        app_id: int = 3_000_001,
    ) -> None:
        self.switches = switches or Switches()
        self.access_token = access_token
        self.oauth = OAuthApp()
        self.portal_id = portal_id
        self.app_id = app_id
        self.calls = CallCounter()
        self.faults = FaultPlan(seed)
        initial_faults = list(faults)
        for fault in initial_faults:
            self.faults.add(fault)
        self.latency = latency or Latency()
        self.portal = Portal(self.switches, clock)
        self.limiter = RateLimiter(self.switches, app_id, portal_id)
        self.errors: list[str] = []
        self._clock = clock
        self._initial_switches = replace(self.switches)
        self._initial_faults = [replace(fault, fired=0) for fault in initial_faults]
        self._initial_latency = (self.latency.fixed_ms, self.latency.jitter_ms)

    def app(self) -> Starlette:
        return build_app(self)

    def authorized(self, header: str | None) -> bool:
        """`Authorization: Bearer …` with the private-app token or a live token the OAuth app issued."""
        if header is None or not header.startswith("Bearer "):
            return False
        token = header.removeprefix("Bearer ")
        return token == self.access_token or self.oauth.expires_in(token) is not None

    def reset(self) -> None:
        """As constructed, while serving: a fresh portal under the initial switches, and the counter, faults,
        rate-limit windows, latency and errors as they were at the start (routes read this object on every call)."""
        with self.portal.store.lock:
            for switch in fields(Switches):
                setattr(self.switches, switch.name, getattr(self._initial_switches, switch.name))
            self.portal = Portal(self.switches, self._clock)
        self.limiter.reset()
        self.calls.reset()
        self.faults.reset()
        for fault in self._initial_faults:
            self.faults.add(replace(fault))
        self.latency.reset()
        self.set_latency(*self._initial_latency)
        self.errors.clear()

    @contextmanager
    def serve(self) -> Iterator[ServedHubSpot]:
        with serve_in_thread(self.app()) as served:
            yield ServedHubSpot(base_url=served.base_url, access_token=self.access_token, port=served.port)

    def load_contacts(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Stream seed rows in (see `seeding.contact_from_row`); returns how many were loaded."""
        with self.portal.store.lock:
            return load_rows(self.portal.store, rows, self.portal.clock())

    def set_property_options(self, name: str, options: list[Option]) -> None:
        with self.portal.store.lock:
            self.portal.registry.set_options(name, options, self.portal.clock())

    def add_properties(self, properties: Iterable[tuple[str, str, list[str]]]) -> list[str]:
        """Create the contact properties (name, type, option values) the portal lacks, as an admin would (custom,
        editable; a Salesforce-integration property by switching the integration's on); the names created."""
        wanted = list(properties)
        integration = {name for name, _kind, _values in wanted if name in SALESFORCE_PROPERTIES}
        if integration - self.switches.salesforce_properties:
            self.set_switches(salesforce_properties=self.switches.salesforce_properties | integration)
        created: list[str] = []
        with self.portal.store.lock:
            registry = self.portal.registry
            for name, kind, values in wanted:
                if registry.get(name) is None:
                    registry.create({"name": name, "label": name.replace("_", " ").capitalize(), "type": kind,
                                     "fieldType": FIELD_TYPES.get(kind, "select"), "groupName": "contactinformation",
                                     "options": [{"label": value, "value": value} for value in values]},
                                    self.portal.clock())
                    created.append(name)
        return created

    def add_owners(self, owners: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add owners (`email`, `firstName`, `lastName`, optional `id`/`userId`); their ids become valid."""
        with self.portal.store.lock:
            added = self.portal.owners.add([dict(o) for o in owners], self.portal.clock())
            self.portal.registry.set_options(
                "hubspot_owner_id", self.portal.owners.options(), self.portal.clock()
            )
            return added

    def set_switches(self, **changes: Any) -> None:
        with self.portal.store.lock:
            self.switches.update(changes)
            if "salesforce_properties" in changes:
                self.portal.registry.set_salesforce(self.switches.salesforce_properties)

    def set_latency(self, fixed_ms: float, jitter_ms: float = 0.0) -> None:
        self.latency.fixed_ms, self.latency.jitter_ms = fixed_ms, jitter_ms

    def inject(self, endpoint: str, kind: FaultKind | str, **options: Any) -> Fault:
        """Script a fault, e.g. `inject("hs.contacts.search", "rate_limit", nth=3)`."""
        return self.faults.add(Fault(endpoint=endpoint, kind=FaultKind(kind), **options))

    def set_values(self, contact_id: str, properties: Mapping[str, Any], source_type: str = "CRM_UI") -> None:
        """Write as HubSpot itself or a UI user would: read-only properties allowed, lifecycle unchecked."""
        with self.portal.store.lock:
            contact = self.portal.store.find(contact_id, None)
            if contact is None:
                raise KeyError(contact_id)
            changes = self.portal.writer.check(dict(properties), contact, system=True)
            self.portal.writer.update(contact, changes, source=source_type)

    def contact(self, contact_id: str, with_history: bool = False) -> dict[str, Any] | None:
        """The stored state of one contact (archived ones too), for assertions."""
        with self.portal.store.lock:
            contact = self.portal.store.get(int(contact_id))
            if contact is None:
                return None
            view: dict[str, Any] = {
                "properties": dict(contact.props),
                "archived": contact.archived_ms is not None,
            }
            if with_history:
                view["history"] = {name: history_of(contact, name) for name in (contact.history or {})}
            return view

    def contact_count(self) -> int:
        return len(self.portal.store)
