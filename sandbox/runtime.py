"""What both emulators share: serving an ASGI app in a thread (optionally over TLS with a throwaway CA),
counting calls per endpoint, injected latency and scripted faults.

To inject a connection reset, an app served by `serve_in_thread` either raises `DropConnection` (plain ASGI apps)
or calls `drop_connection(scope)` and then returns any response, which is discarded (apps behind middleware that
turns exceptions into 500s, e.g. Starlette's).

Each emulator decides how a fault looks on its wire (a HubSpot 429 body is not a Salesforce one); this module
only decides *whether* a fault fires for a given call.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import trustme
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


class FaultKind(StrEnum):
    """The transient and partial failures the emulators can inject."""

    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    RATE_LIMIT_NO_RETRY_AFTER = "rate_limit_no_retry_after"  # 429 without Retry-After
    UNAVAILABLE = "unavailable"  # 503 with the vendor's JSON body
    BAD_GATEWAY_HTML = "bad_gateway_html"  # 502 with an HTML body, as a load balancer sends it
    CONNECTION_RESET = "connection_reset"  # the TCP connection is dropped without a response
    SLOW = "slow"  # the response is delayed by `delay_s` (beyond a client's timeout)
    INVALID_SESSION = "invalid_session"  # Salesforce 401 INVALID_SESSION_ID
    ROW_LOCK = "row_lock"  # Salesforce UNABLE_TO_LOCK_ROW on `record_ids` (or every record of the call)
    PARTIAL_FAILURE = "partial_failure"  # some records of a batch fail permanently (`record_ids`)


@dataclass
class Fault:
    """One scripted fault: fires on the `nth` matching call (1-based), or with `probability`, at most `times`."""

    endpoint: str  # glob over endpoint keys, e.g. "sf.query*", "hs.contacts.batch_update", "*"
    kind: FaultKind
    nth: int | None = None
    probability: float = 0.0
    times: int | None = 1
    delay_s: float = 0.0
    record_ids: frozenset[str] = frozenset()
    fired: int = 0

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultPlan:
    """Thread-safe list of scripted faults with a seeded random source, editable while the server runs."""

    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """As constructed: no faults, nothing injected, the random source back at its seed."""
        with self._lock:
            self._faults.clear()
            self.injected.clear()
            self._random = random.Random(self._seed)

    def pick(self, endpoint: str, call_number: int) -> Fault | None:
        """The fault to inject on this call of `endpoint` (its `call_number`-th, 1-based), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.exhausted() or not fnmatch.fnmatchcase(endpoint, fault.endpoint):
                    continue
                hit = fault.nth == call_number if fault.nth is not None else False
                if not hit and fault.probability > 0.0:
                    hit = self._random.random() < fault.probability
                if hit:
                    fault.fired += 1
                    self.injected[fault.kind.value] += 1
                    return fault
        return None


class CallCounter:
    """Counts calls per endpoint key (e.g. ``sf.query``, ``hs.contacts.search``); thread-safe."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, endpoint: str) -> int:
        """Count one call and return its 1-based number for this endpoint."""
        with self._lock:
            self._counts[endpoint] += 1
            return self._counts[endpoint]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def total(self, prefix: str = "") -> int:
        with self._lock:
            return sum(n for key, n in self._counts.items() if key.startswith(prefix))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


@dataclass
class Latency:
    """Injected latency per call: `fixed_ms` plus uniform jitter in [0, `jitter_ms`]."""

    fixed_ms: float = 0.0
    jitter_ms: float = 0.0
    _random: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def reset(self) -> None:
        """No latency, and the jitter source back at its seed."""
        self.fixed_ms = self.jitter_ms = 0.0
        self._random = random.Random(0)

    def delay_s(self) -> float:
        jitter = self._random.uniform(0.0, self.jitter_ms) if self.jitter_ms else 0.0
        return (self.fixed_ms + jitter) / 1000.0

    async def wait(self) -> None:
        delay = self.delay_s()
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass(frozen=True)
class TlsMaterial:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost, written to `directory`."""

    ca_bundle: Path
    certfile: Path
    keyfile: Path

    @classmethod
    def create(cls, directory: Path) -> TlsMaterial:
        authority = trustme.CA()
        server = authority.issue_cert("127.0.0.1", "localhost", "::1")
        directory.mkdir(parents=True, exist_ok=True)
        ca_bundle = directory / "sandbox-ca.pem"
        certfile = directory / "sandbox-server.pem"
        keyfile = directory / "sandbox-server.key"
        authority.cert_pem.write_to_path(str(ca_bundle))
        server.cert_chain_pems[0].write_to_path(str(certfile))
        for extra in server.cert_chain_pems[1:]:
            extra.write_to_path(str(certfile), append=True)
        server.private_key_pem.write_to_path(str(keyfile))
        return cls(ca_bundle=ca_bundle, certfile=certfile, keyfile=keyfile)


DROP_CONNECTION_EXTENSION = "leadsync.drop_connection"


class DropConnection(Exception):
    """Raised by an ASGI app served by `serve_in_thread` to drop the TCP connection without a response."""


def drop_connection(scope: dict[str, object]) -> bool:
    """Abort the connection carrying this request now; False when the server offers no such extension."""
    extensions = scope.get("extensions")
    drop = extensions.get(DROP_CONNECTION_EXTENSION) if isinstance(extensions, dict) else None
    if not callable(drop):
        return False
    drop()
    return True


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus the means for the app to abort the transport (a connection reset)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def app(scope: dict[str, object], receive: object, send: object) -> None:
            scope.setdefault("extensions", {})[DROP_CONNECTION_EXTENSION] = self._drop  # type: ignore[index]
            try:
                await inner(scope, receive, send)
            except DropConnection:
                self._drop()

        self.app = app

    def shutdown(self) -> None:
        # An idle TLS keep-alive connection closed gracefully waits for the client's close_notify, which an idle
        # requests pool never sends: server shutdown would then hang until the thread join gives up.
        if self.cycle is None or self.cycle.response_complete:
            self.transport.abort()
        else:
            super().shutdown()

    def _drop(self) -> None:
        # Marking the cycle disconnected makes uvicorn discard whatever the app sends afterwards.
        if self.cycle is not None:
            self.cycle.disconnected = True
        self.transport.abort()


@dataclass(frozen=True)
class ServedApp:
    """A running server: where to reach it and, for TLS, which CA bundle to trust."""

    base_url: str
    port: int
    ca_bundle: Path | None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(
    app: Any,  # an ASGI application
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: TlsMaterial | None = None,
    startup_timeout_s: float = 15.0,
    server_headers: bool = True,
) -> Iterator[ServedApp]:
    """Serve `app` with uvicorn in a daemon thread until the block exits; `server_headers=False` drops uvicorn's own
    (lower-case) `date` and `server` headers, for an app that sends its vendor's headers itself."""
    port = port or _free_port(host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        http=_DroppableH11Protocol,
        date_header=server_headers,
        server_header=server_headers,
        ssl_certfile=str(tls.certfile) if tls else None,
        ssl_keyfile=str(tls.keyfile) if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"sandbox server on {host}:{port} did not start")
        time.sleep(0.01)
    scheme = "https" if tls else "http"
    try:
        yield ServedApp(base_url=f"{scheme}://{host}:{port}", port=port, ca_bundle=tls.ca_bundle if tls else None)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def temporary_tls() -> tuple[TlsMaterial, tempfile.TemporaryDirectory[str]]:
    """TLS material in a fresh temporary directory; the caller keeps the directory alive."""
    holder = tempfile.TemporaryDirectory(prefix="leadsync-sandbox-")
    return TlsMaterial.create(Path(holder.name)), holder
