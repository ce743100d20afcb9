"""The production path, for real: a `prefect server start`, the work pool, `prefect deploy --all`, a process worker
and `leadsync sandbox serve` standing in for the org and the portal — each its own process, torn down by id.

Both the server test (`tests/production/`) and the browser test (`tests/browser/`) stand on it. The commands are the
README's "Run it in production" commands; with `LEADSYNC_TEST_DATABASE_URL` set (CI), PostgreSQL is behind both the
Prefect server and the leadsync state store, each in a database of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
POOL = "leadsync-process"
SECRETS_BLOCK = "leadsync-credentials"


class StackError(AssertionError):
    """A step of the production path failed; the message carries the command's output or the logs."""


@dataclass
class Stack:
    """A running server, worker and sandbox; `prefect()` runs the CLI against the server."""

    workdir: Path
    api_url: str
    cli_env: dict[str, str]
    worker_env: dict[str, str]
    logs: Path
    database: str
    sandbox_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def prefect(self, *args: str, timeout: float = 180, env: Mapping[str, str] | None = None) -> str:
        """Run `prefect <args>` as a user at a terminal would (from the checkout); its output, or a clear failure."""
        return _run([str(BIN / "prefect"), "--no-prompt", *args], {**self.cli_env, **(env or {})}, timeout)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30)

    def deployment_id(self, name: str) -> str:
        with self.api() as client:
            return str(_ok(client.get(f"/deployments/name/{name}"))["id"])

    def wait_for_run(self, flow_run_id: str, timeout: float = 420) -> dict[str, Any]:
        """Poll until the run ends; the run as the API shows it (a StackError with its logs when it takes too long)."""
        deadline = time.monotonic() + timeout
        with self.api() as client:
            while time.monotonic() < deadline:
                run = _ok(client.get(f"/flow_runs/{flow_run_id}"))
                if (run.get("state") or {}).get("type") in TERMINAL:
                    return run
                self.check_alive()
                time.sleep(1)
        raise StackError(f"flow run {flow_run_id} did not finish in {timeout:.0f} s; state "
                         f"{run.get('state')}\n{self.run_logs(flow_run_id)}\n{self.log_tail('worker')}")

    def run_logs(self, flow_run_id: str) -> str:
        with self.api() as client:
            rows = _ok(client.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [flow_run_id]}},
                                                         "sort": "TIMESTAMP_ASC", "limit": 200}))
        return "\n".join(row["message"] for row in rows)

    def artifacts(self, flow_run_id: str) -> list[dict[str, Any]]:
        with self.api() as client:
            return list(_ok(client.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}},
                                                                   "limit": 50})))

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"the {name} process exited with {process.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, size: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return f"--- {name}.log ---\n" + (path.read_text(errors="replace")[-size:] if path.exists() else "(none)")


@contextmanager
def production_stack(workdir: Path, *, leads: int = 400, seed: int = 11,
                     worker_env: Mapping[str, str] | None = None, workers: int = 1,
                     runs_per_worker: int | None = None, latency_ms: float = 0.0) -> Iterator[Stack]:
    """Sandbox, server (on a free port, a fresh PREFECT_HOME), pool, deployments and `workers` worker processes
    (logs `worker.log`, `worker-2.log`, …), each running at most `runs_per_worker` flow runs at once (`--limit`;
    None: no limit); all stopped after."""
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        postgres = os.environ.get("LEADSYNC_TEST_DATABASE_URL")
        server_db, state_db = _databases(workdir, postgres, cleanup.callback)
        port = free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        base = _base_env(workdir / "prefect-home", api_url)
        stack = Stack(workdir, api_url, base, {}, logs, "postgresql" if postgres else "sqlite")
        cleanup.callback(_stop_all, stack.processes)

        sandbox_env = _start_sandbox(stack, leads, seed, latency_ms)
        stack.processes["server"] = _spawn(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            {**base, "PREFECT_API_DATABASE_CONNECTION_URL": server_db, "PREFECT_UI_API_URL": api_url},
            logs / "server.log")
        _wait_healthy(stack, timeout=180)
        stack.prefect("work-pool", "create", POOL, "--type", "process")
        stack.prefect("deploy", "--all", env={"LEADSYNC_HOME": str(REPO)})
        stack.prefect("deployment", "schedule", "pause", "--all")  # the test triggers runs itself; no cron interferes
        stack.sandbox_env = sandbox_env
        _run([str(BIN / "leadsync"), "secrets", "push", SECRETS_BLOCK], {**base, **sandbox_env})
        # The worker holds the block's name, not the credentials (as the README's production section advises).
        stack.worker_env = {**base, "LEADSYNC_SECRETS_BLOCK": SECRETS_BLOCK, "LEADSYNC_HOME": str(REPO),
                            "LEADSYNC_DATABASE_URL": state_db,
                            "LEADSYNC_DEFINITIONS": str(REPO / "definitions"),
                            "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_LOGGING_LEVEL": "INFO",
                            **(worker_env or {})}
        for number in range(1, workers + 1):
            name = "worker" if number == 1 else f"worker-{number}"
            limit = ["--limit", str(runs_per_worker)] if runs_per_worker else []
            stack.processes[name] = _spawn(
                [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process", "--name", f"e2e-{name}",
                 *limit], stack.worker_env, logs / f"{name}.log")
        _wait_for_worker(stack, timeout=120)
        yield stack


def _run(command: list[str], env: Mapping[str, str], timeout: float = 180) -> str:
    done = subprocess.run(command, cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        shown = " ".join([Path(command[0]).name, *command[1:]])
        raise StackError(f"`{shown}` exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _base_env(prefect_home: Path, api_url: str) -> dict[str, str]:
    """The caller's environment without anything leadsync or Prefect: a developer's settings must not leak in."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("LEADSYNC_", "PREFECT_")) or k.startswith("LEADSYNC_SANDBOX_")}
    prefect_home.mkdir(parents=True, exist_ok=True)
    return {**kept, "PREFECT_HOME": str(prefect_home), "PREFECT_API_URL": api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_ENABLED": "false",
            "COLUMNS": "200"}  # rich tables in CLI output are not cut to an 80-column terminal


def _databases(workdir: Path, postgres: str | None, on_exit: Callable[..., Any]) -> tuple[str, str]:
    """(Prefect server URL, leadsync state URL): fresh PostgreSQL databases when one is configured, else SQLite files."""
    if not postgres:
        return f"sqlite+aiosqlite:///{workdir}/prefect.db", f"sqlite:///{workdir}/state.db"
    import psycopg

    admin = postgres.replace("postgresql+psycopg://", "postgresql://")
    suffix = uuid.uuid4().hex[:8]
    names = (f"leadsync_e2e_prefect_{suffix}", f"leadsync_e2e_state_{suffix}")
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')  # names are ours: hex only

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    on_exit(drop)
    server_base = postgres.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql+asyncpg://")
    return f"{server_base}/{names[0]}", f"{postgres.rsplit('/', 1)[0]}/{names[1]}"


def _start_sandbox(stack: Stack, leads: int, seed: int, latency_ms: float) -> dict[str, str]:
    """`leadsync sandbox serve`; the `export` lines it prints on stderr, as the worker's environment."""
    err = stack.logs / "sandbox.log"
    process = _spawn([str(BIN / "leadsync"), "sandbox", "serve", "--leads", str(leads), "--seed", str(seed),
                      "--provisioned", "--latency-ms", str(latency_ms)], stack.cli_env, stack.logs / "sandbox.out",
                     stderr=err)
    stack.processes["sandbox"] = process
    deadline = time.monotonic() + 180 + leads / 500  # seeding a big population takes a while
    while time.monotonic() < deadline:
        if (stack.logs / "sandbox.out").read_text().strip():
            return _exports(err.read_text(), stack.cli_env)
        if process.poll() is not None:
            raise StackError(f"leadsync sandbox serve exited {process.returncode}:\n{err.read_text()[-3000:]}")
        time.sleep(0.2)
    raise StackError(f"leadsync sandbox serve printed nothing in {180 + leads / 500:.0f} s")


def _exports(text: str, env: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            value = value.strip('"')
            if value.startswith("${") and value.endswith("}"):
                value = env[value[2:-1]]
            values[name] = value
    return values


def _spawn(command: list[str], env: Mapping[str, str], log: Path, stderr: Path | None = None) -> subprocess.Popen[bytes]:
    """A process in a session of its own, so that it and every child it starts can be stopped by its id."""
    with log.open("wb") as out, (stderr or log).open("ab") as err:
        return subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=out, stderr=err if stderr else subprocess.STDOUT,
                                start_new_session=True)


def _wait_healthy(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            if httpx.get(f"{stack.api_url}/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StackError(f"the Prefect server did not answer /api/health in {timeout:.0f} s\n{stack.log_tail('server')}")


def _wait_for_worker(stack: Stack, timeout: float) -> None:
    """Until the worker has polled the pool: the pool (and the UI's deployments) show Ready."""
    deadline = time.monotonic() + timeout
    with stack.api() as client:
        while time.monotonic() < deadline:
            stack.check_alive()
            if _ok(client.get(f"/work_pools/{POOL}")).get("status") == "READY":
                return
            time.sleep(0.5)
    raise StackError(f"the worker did not poll {POOL} in {timeout:.0f} s\n{stack.log_tail('worker')}")


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group (workers first, so no run is left half-started), SIGKILL what is left after 20 s."""
    workers = sorted(name for name in processes if name.startswith("worker"))
    for name in (*workers, "server", "sandbox"):
        process = processes.get(name)
        if process is None or process.poll() is not None:
            continue
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        _signal_group(process.pid, signal.SIGKILL)  # children that outlived their leader (flow-run subprocesses)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise StackError(f"{response.request.method} {response.request.url} answered {response.status_code}: "
                         f"{response.text[:2000]}")
    return response.json()
