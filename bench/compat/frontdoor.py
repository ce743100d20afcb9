"""The vendors' production host names served by the emulators on this machine, for the length of one `with`.

The tools hard-code `https://api.hubapi.com` and `https://login.salesforce.com` (`test.` for sandboxes). Instead of
patching them, the suite maps those names to loopback addresses in /etc/hosts and listens there on port 443 with a
certificate for them, relaying each connection's bytes to the emulator: HubSpot's plain HTTP port, Salesforce's TLS
port (checked against the sandbox CA). The certificate comes from a throwaway CA made here (the sandbox keeps its own
CA key in its process); the tools trust it through a bundle of certifi's roots, this CA and the sandbox CA, named by
REQUESTS_CA_BUNDLE and SSL_CERT_FILE. A client that reads certifi's file directly (requests' `Session.send` ignores
REQUESTS_CA_BUNDLE) finds the same two CAs appended to its virtualenv's certifi bundle for the run, as Debian points
certifi at the system store.

/etc/hosts is edited in place (it may be a bind mount) between marker comments, and put back on leaving: also on
Ctrl-C and SIGTERM (the runner turns those into exceptions), and a run killed harder leaves lines that the next run
removes before adding its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import certifi
import trustme

HOSTS = Path("/etc/hosts")
MARKER = "# leadsync compat suite (removed when it ends)"
HUBSPOT_NAMES = ("api.hubapi.com",)
SALESFORCE_NAMES = ("login.salesforce.com", "test.salesforce.com")
HUBSPOT_ADDRESS = "127.0.0.2"  # one loopback address per vendor: each listener knows its emulator without SNI
SALESFORCE_ADDRESS = "127.0.0.3"
PORT = 443


@dataclass(frozen=True)
class Upstream:
    """Where one listening address relays to; `tls` set when the emulator speaks HTTPS."""

    address: str
    port: int
    tls: ssl.SSLContext | None = None


def without_suite_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.rstrip().endswith(MARKER))


@contextlib.contextmanager
def hosts_entries(entries: dict[str, str], path: Path = HOSTS) -> Iterator[None]:
    """`name -> address` lines in `path` until the block exits; the file is left as it was without them."""
    clean = without_suite_lines(path.read_text())
    added = "".join(f"{address} {name} {MARKER}\n" for name, address in entries.items())
    path.write_text(clean + ("" if clean.endswith("\n") or not clean else "\n") + added)
    try:
        yield
    finally:
        path.write_text(clean)


def production_entries() -> dict[str, str]:
    return {**dict.fromkeys(HUBSPOT_NAMES, HUBSPOT_ADDRESS), **dict.fromkeys(SALESFORCE_NAMES, SALESFORCE_ADDRESS)}


def trust_bundle(directory: Path, extra: str) -> Path:
    """certifi's roots + `extra` CAs, in one PEM file for REQUESTS_CA_BUNDLE/SSL_CERT_FILE."""
    bundle = directory / "ca-bundle.pem"
    bundle.write_text(Path(certifi.where()).read_text().rstrip() + "\n" + extra)
    return bundle


@contextlib.contextmanager
def certifi_trust(venv: Path, extra: str) -> Iterator[None]:
    """`extra` CAs appended to the certifi bundle of `venv` until the block exits; a copy of the original waits
    beside it, so a run killed before restoring is mended by the next."""
    for bundle in venv.glob("lib/python*/site-packages/certifi/cacert.pem"):
        original = bundle.with_name("cacert.pem.compat-original")
        if original.exists():
            shutil.copyfile(original, bundle)
        shutil.copyfile(bundle, original)
    bundles = list(venv.glob("lib/python*/site-packages/certifi/cacert.pem"))
    try:
        for bundle in bundles:
            bundle.write_text(bundle.read_text().rstrip() + "\n" + extra)
        yield
    finally:
        for bundle in bundles:
            original = bundle.with_name("cacert.pem.compat-original")
            shutil.copyfile(original, bundle)
            original.unlink()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


def _handler(upstream: Upstream) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(
                upstream.address, upstream.port, ssl=upstream.tls,
                server_hostname=upstream.address if upstream.tls else None)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    return relay


class FrontDoor:
    """TLS listeners on port 443 of the vendor addresses, relaying to the emulators, in a thread of their own."""

    def __init__(self, leaf: ssl.SSLContext, routes: dict[str, Upstream]) -> None:
        self._leaf = leaf
        self._routes = routes
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="compat-front-door", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        self._started.wait(timeout=15)
        if self._error is not None:
            raise RuntimeError(f"front door could not listen on port {PORT}: {self._error}") from self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=15)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            servers = [await asyncio.start_server(_handler(upstream), address, PORT, ssl=self._leaf)
                       for address, upstream in self._routes.items()]
        except OSError as error:
            self._error = error
            self._started.set()
            return
        self._started.set()
        await self._stop.wait()
        for server in servers:
            server.close()
            await server.wait_closed()


@contextlib.contextmanager
def production_names(facts: dict[str, dict[str, str]], workdir: Path, venv: Path) -> Iterator[Path]:
    """The vendors' names lead to the served sandbox `facts` until the block exits, and the tool in `venv` trusts
    them; yields the CA bundle to name in its environment."""
    authority = trustme.CA()
    leaf = authority.issue_cert(*HUBSPOT_NAMES, *SALESFORCE_NAMES)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(server_context)
    sandbox_ca = Path(facts["salesforce"]["ca_bundle"])
    to_salesforce = ssl.create_default_context(cafile=str(sandbox_ca))
    routes = {
        HUBSPOT_ADDRESS: Upstream("127.0.0.1", port_of(facts["hubspot"]["base_url"])),
        SALESFORCE_ADDRESS: Upstream("127.0.0.1", port_of(facts["salesforce"]["instance_url"]), to_salesforce),
    }
    extra = authority.cert_pem.bytes().decode().strip() + "\n" + sandbox_ca.read_text().strip() + "\n"
    bundle = trust_bundle(workdir, extra)
    with hosts_entries(production_entries()), certifi_trust(venv, extra), FrontDoor(server_context, routes):
        yield bundle


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])
