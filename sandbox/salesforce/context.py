"""What request handlers share: the sandbox state, one call's facts, and the route declaration type."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..runtime import Fault
from .dml import Writer
from .store import Org
from .switches import Switches

ENV_PREFIX = "LEADSYNC_SANDBOX_SALESFORCE_"  # + a field name in capitals: what the sandbox expects instead
OVERRIDABLE = ("username", "password", "security_token", "session_id", "consumer_key", "consumer_secret", "refresh_token")


@dataclass
class Credentials:
    """What the sandbox accepts at login; `jwt_public_key_pem` set means JWT signatures are verified.

    The secrets stay out of `repr` (a failing test prints its objects), like the `SecretStr` settings do.
    """

    username: str = "integration@leadsync.example"
    password: str = field(default="sandbox-password", repr=False)
    security_token: str = field(default="SANDBOXTOKEN0000", repr=False)
    session_id: str = field(default="00D000000000001!AQsandboxsessionid", repr=False)
    consumer_key: str = "3MVG9sandbox.consumer.key"
    consumer_secret: str = field(default="sandbox-consumer-secret", repr=False)
    refresh_token: str = field(default="5Aep861sandbox.refresh.token", repr=False)  # seeded: always valid
    jwt_public_key_pem: bytes | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], prefix: str = ENV_PREFIX) -> Credentials:
        """The defaults, each overridden by a non-empty `<prefix><FIELD>` (e.g. …_PASSWORD) in `environ`."""
        chosen: dict[str, Any] = {name: environ[prefix + name.upper()] for name in OVERRIDABLE if environ.get(prefix + name.upper())}
        return cls(**chosen)


class BoundedStore:
    """Query cursors and bulk jobs: an insertion-ordered map that forgets the oldest beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def get(self, key: str) -> Any:
        with self._lock:
            return self._items.get(key)

    def pop(self, key: str) -> Any:
        with self._lock:
            return self._items.pop(key, None)


@dataclass
class SandboxState:
    """The org plus everything the server remembers between calls."""

    org: Org
    switches: Switches
    credentials: Credentials
    tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)  # authorization codes not yet exchanged
    cursors: BoundedStore = field(default_factory=lambda: BoundedStore(200))
    jobs: BoundedStore = field(default_factory=lambda: BoundedStore(500))

    @property
    def writer(self) -> Writer:
        return Writer(self.org, self.switches)


@dataclass
class Call:
    """One routed request."""

    request: Request
    params: dict[str, str]
    state: SandboxState
    fault: Fault | None

    @property
    def version(self) -> str:
        return self.params.get("v", "59.0")

    def header(self, name: str, default: str = "") -> str:
        return self.request.headers.get(name, default)

    def auto_assign(self) -> bool:
        return self.header("Sforce-Auto-Assign", "TRUE").strip().upper() not in ("FALSE", "0")


Handler = Callable[[Call], Awaitable[Response]]
KeyResolver = Callable[[Request, dict[str, str]], Awaitable[str]]


@dataclass(frozen=True)
class Route:
    """A method + path pattern; `auth` is bearer, soap (session in the body) or none; `key` may be computed."""

    method: str
    pattern: re.Pattern[str]
    key: str | KeyResolver
    handler: Handler
    auth: str = "bearer"
    counts_api: bool = True


DATA = r"/services/data/v(?P<v>\d+\.\d)"


def route(method: str, path: str, key: str | KeyResolver, handler: Handler, **kw: Any) -> Route:
    return Route(method, re.compile(path + "/?$", re.IGNORECASE), key, handler, **kw)
