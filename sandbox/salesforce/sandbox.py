"""`SalesforceSandbox`: the public entry point holding the org, switches, credentials, counter, faults and latency."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..runtime import CallCounter, Fault, FaultPlan, Latency, serve_in_thread, temporary_tls
from . import loading
from .app import SalesforceApp
from .context import Credentials, SandboxState
from .schema import FieldSpec
from .store import Org, StatusValue
from .switches import Switches


@dataclass(frozen=True)
class SalesforceConnection:
    """What a client needs to reach a served sandbox. `login_domain` is the `domain=` trick of reference §1.6."""

    instance_url: str
    login_domain: str
    username: str
    password: str
    security_token: str
    session_id: str
    consumer_key: str
    consumer_secret: str
    refresh_token: str
    jwt_private_key_pem: bytes
    ca_bundle: Path
    admin_url: str
    api_version: str = "59.0"


class SalesforceSandbox:
    """An emulated Salesforce org served over HTTPS; see the package docstring for endpoint keys."""

    def __init__(self, *, switches: Switches | None = None, credentials: Credentials | None = None, seed: int = 0) -> None:
        self.calls = CallCounter()
        self.faults = FaultPlan(seed)
        self.latency = Latency()
        self._seed = seed
        self._initial_switches = (switches or Switches()).as_dict()
        self.state = SandboxState(Org(), Switches(**self._initial_switches), credentials or Credentials())
        self.state.tokens.add(self.state.credentials.session_id)
        self._jwt_private_key: bytes | None = None

    @property
    def org(self) -> Org:
        return self.state.org

    @property
    def switches(self) -> Switches:
        return self.state.switches

    @property
    def credentials(self) -> Credentials:
        return self.state.credentials

    def app(self) -> SalesforceApp:
        return SalesforceApp(self)

    def inject(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def set_latency(self, fixed_ms: float, jitter_ms: float = 0.0) -> None:
        self.latency.fixed_ms = fixed_ms
        self.latency.jitter_ms = jitter_ms

    def expire_sessions(self) -> None:
        """Every issued token (and the fixed session id) stops working; logging in again issues a new one."""
        self.state.tokens.clear()

    def reset(self) -> None:
        """A fresh org and the initial switches; counter, faults, latency, cursors and jobs cleared; sessions kept."""
        tokens = set(self.state.tokens) | {self.state.credentials.session_id}
        self.state = SandboxState(Org(), Switches(**self._initial_switches), self.state.credentials, tokens)
        self.calls.reset()
        self.faults.reset()
        self.latency.reset()

    def load_leads(self, rows: Iterable[Mapping[str, object]]) -> int:
        return loading.load_records(self.org, "Lead", rows, loading.lead_defaults(self.org))

    def add_users(self, rows: Iterable[Mapping[str, object]]) -> int:
        return loading.load_records(self.org, "User", rows, {"IsDeleted": False, "IsActive": True})

    def add_tasks(self, rows: Iterable[Mapping[str, object]]) -> int:
        return loading.load_records(self.org, "Task", rows, loading.activity_defaults(self.org))

    def add_events(self, rows: Iterable[Mapping[str, object]]) -> int:
        return loading.load_records(self.org, "Event", rows, loading.activity_defaults(self.org))

    def add_history(self, rows: Iterable[Mapping[str, object]]) -> int:
        return loading.load_history(self.org, rows)

    def add_lead_fields(self, fields: Iterable[tuple[str, str]]) -> list[str]:
        """Create the Lead fields (API name, describe type) the org lacks, as an admin would; the names created."""
        created: list[str] = []
        with self.org.lock:
            lead, table = self.org.schema["Lead"], self.org.tables["Lead"]
            for name, kind in fields:
                if lead.field(name) is None:
                    length = 255 if kind in ("string", "email", "picklist", "textarea") else 0
                    lead.add_field(FieldSpec(name, kind, label=name.removesuffix("__c").replace("_", " "), length=length))
                    table.column(name)  # queryable before any record holds a value
                    created.append(name)
        return created

    def set_lead_statuses(self, values: Iterable[Mapping[str, object] | str]) -> None:
        loading.set_statuses(self.org, values)

    def lead_statuses(self) -> list[StatusValue]:
        return list(self.org.statuses)

    def record(self, record_id: str) -> dict[str, object] | None:
        found = self.org.find(record_id)
        return found[0].to_dict(found[1]) if found else None

    def records(self, sobject: str, include_deleted: bool = False) -> Iterator[dict[str, object]]:
        table = self.org.tables[sobject]
        return (table.to_dict(row) for row in table.live(include_deleted))

    def _jwt_keys(self) -> bytes:
        if self._jwt_private_key is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self._jwt_private_key = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            self.state.credentials.jwt_public_key_pem = public
        return self._jwt_private_key

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[SalesforceConnection]:
        """Serve over HTTPS with a throwaway CA until the block exits."""
        tls, holder = temporary_tls()
        private_key = self._jwt_keys() if self.credentials.jwt_public_key_pem is None else self._jwt_private_key or b""
        with holder, serve_in_thread(self.app(), port=port, tls=tls, server_headers=False) as served:
            creds = self.credentials
            yield SalesforceConnection(
                instance_url=served.base_url,
                login_domain=f"{served.base_url.removeprefix('https://')}/login",
                username=creds.username,
                password=creds.password,
                security_token=creds.security_token,
                session_id=creds.session_id,
                consumer_key=creds.consumer_key,
                consumer_secret=creds.consumer_secret,
                refresh_token=creds.refresh_token,
                jwt_private_key_pem=private_key,
                ca_bundle=tls.ca_bundle,
                admin_url=f"{served.base_url}/__sandbox",
            )
