"""Scenario 7 "secrets": canary credentials go over the real wire, and no log, Prefect log or artifact, state row,
plan, report, cassette or exception text holds them, nor their URL-encoded or base64 forms. Canary leads (emails and
names) are pulled too, and a pull failing midway leaves them in no exception text, log or Prefect task-failure log
(they do belong in the state store and in plans, so those are not grepped for them).

`run(full)` returns the table rows. Both modes start a sandbox that expects fresh canaries (LEADSYNC_SANDBOX_*, see
`sandbox.launch.SandboxSecrets`), run `leadsync plan` and `leadsync sync` against it (session and password
login), and force failing logins with canary passwords and tokens. `full=True` adds `leadsync demo`, tests/e2e +
tests/flows + tests/contract with the canaries, and re-recording the connector cassettes into the temp dir.
Every byte written under the temp dir, and every committed cassette, is grepped.

The module is also a pytest plugin (`-p secrets_canary`) that acts only when its variables are set: it points the
cassette recorder at a temp dir, and keeps the Prefect test harness's database (deleted at exit) for the grep.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

from table import Row
from world import an_earlier_sync_long_ago

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = REPO / ".venv" / "bin"
DEFINITIONS = REPO / "definitions"
CASSETTES = REPO / "tests" / "contract" / "cassettes"
KEEP_ENV = "SECRETS_CANARY_KEEP_DIR"  # plugin: copy the Prefect test harness's database here at session end
CASSETTES_ENV = "SECRETS_CANARY_CASSETTE_DIR"  # plugin: record cassettes here instead of tests/contract/cassettes
FAST_LEADS = 200
TEST_PATHS = ("tests/e2e", "tests/flows", "tests/contract")


# ---------------------------------------------------------------------------------------------------- canaries


@dataclass(frozen=True)
class Canaries:
    """Fresh random secrets. The session id keeps Salesforce's shape, so a shape-based scrubber gets a fair test."""

    password: str
    security_token: str
    session_id: str
    consumer_secret: str
    hubspot_token: str
    wrong_password: str  # sent only in logins that must fail
    wrong_hubspot_token: str

    @classmethod
    def fresh(cls) -> Canaries:
        def tag() -> str:
            return secrets.token_hex(8)

        return cls(
            password=f"CANARY-pw-{tag()}",
            security_token=f"CANARYst{tag()}",
            session_id=f"00D{secrets.token_hex(6).upper()}!AQCANARY{tag()}{tag()}",
            consumer_secret=f"CANARY-cs-{tag()}",
            hubspot_token=f"pat-na1-CANARY-{tag()}",
            wrong_password=f"CANARY-wrong-{tag()}",
            wrong_hubspot_token=f"pat-na1-CANARY-wrong-{tag()}",
        )

    def named(self) -> dict[str, str]:
        return asdict(self)

    def sandbox_env(self) -> dict[str, str]:
        """What a sandbox started from this environment expects (read by `run_sandbox`)."""
        return {
            "LEADSYNC_SANDBOX_SALESFORCE_PASSWORD": self.password,
            "LEADSYNC_SANDBOX_SALESFORCE_SECURITY_TOKEN": self.security_token,
            "LEADSYNC_SANDBOX_SALESFORCE_SESSION_ID": self.session_id,
            "LEADSYNC_SANDBOX_SALESFORCE_CONSUMER_SECRET": self.consumer_secret,
            "LEADSYNC_SANDBOX_HUBSPOT_ACCESS_TOKEN": self.hubspot_token,
        }


@dataclass(frozen=True)
class LeadCanaries:
    """Fresh people: the first `in_both` are a Salesforce lead and a HubSpot contact, the rest HubSpot contacts only
    (a sync's HubSpot pass looks their emails up in Salesforce: `Email IN (…)` in the query URL)."""

    emails: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    in_both: int

    @classmethod
    def fresh(cls, people: int = 4, in_both: int = 2) -> LeadCanaries:
        tags = [secrets.token_hex(6) for _ in range(people)]
        return cls(tuple(f"canary.{t}@example.com" for t in tags), tuple(f"Canarya{t}" for t in tags),
                   tuple(f"Canaryz{t}" for t in tags), in_both)

    def named(self) -> dict[str, str]:
        return {f"lead_{kind}_{n}": value for kind, values in
                (("email", self.emails), ("first_name", self.first_names), ("last_name", self.last_names))
                for n, value in enumerate(values)}

    def salesforce_leads(self) -> list[dict[str, object]]:
        return [{"Email": self.emails[n], "FirstName": self.first_names[n], "LastName": self.last_names[n],
                 "Company": "Canary Co", "Status": "Open - Not Contacted"} for n in range(self.in_both)]

    def hubspot_contacts(self) -> list[dict[str, object]]:
        return [{"email": email, "firstname": first, "lastname": last, "lifecyclestage": "lead", "hubspotscore": "80"}
                for email, first, last in zip(self.emails, self.first_names, self.last_names, strict=True)]


def encoded_forms(value: str) -> set[bytes]:
    """The value as bytes, URL-encoded, and base64 (standard and URL-safe) at each of the three alignments."""
    raw = value.encode()
    forms = {raw, quote(value, safe="").encode(), quote_plus(value).encode()}
    for offset in range(3):
        forms |= _base64_cores(raw, offset)
    return forms


def _base64_cores(raw: bytes, offset: int) -> set[bytes]:
    """The characters of base64(prefix + raw) that depend on `raw` alone, for any prefix of `offset` bytes."""
    start = -(-8 * offset // 6)
    end = 8 * (offset + len(raw)) // 6
    padded = b"\0" * offset + raw
    return {encode(padded)[start:end] for encode in (base64.b64encode, base64.urlsafe_b64encode)}


# ---------------------------------------------------------------------------------------------------- the grep


@dataclass
class Scan:
    files: int = 0
    bytes: int = 0
    hits: list[str] = field(default_factory=list)  # "path: canary name"

    def figures(self, canaries: Named) -> dict[str, object]:
        return {"files": self.files, "MB": round(self.bytes / 1e6, 1), "canaries": len(canaries.named()),
                "hits": len(self.hits)}


class Named(Protocol):
    def named(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Together:
    """Several sets of canaries grepped at once (credentials and leads)."""

    parts: tuple[Named, ...]

    def named(self) -> dict[str, str]:
        return {name: value for part in self.parts for name, value in part.named().items()}


def scan(roots: Iterable[Path], canaries: Named) -> Scan:
    """Every regular file under `roots`, as bytes, for every encoded form of every canary."""
    needles = {form: name for name, value in canaries.named().items() for form in encoded_forms(value)}
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    result = Scan()
    for root, path in _files(roots):
        try:
            data = path.read_bytes()
        except OSError:
            continue  # a journal file that vanished
        result.files += 1
        result.bytes += len(data)
        label = f"{root.name}/{path.relative_to(root)}" if path != root else path.name
        result.hits.extend(f"{label}: {needles[m.group(0)]}" for m in pattern.finditer(data))
    return result


def _files(roots: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(root, file) for every regular file under each root (a root may be a file)."""
    for root in roots:
        if root.is_file():
            yield root, root
            continue
        for folder, _dirs, names in os.walk(root):
            yield from ((root, p) for p in (Path(folder) / n for n in names) if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------------------------------------------- processes


def base_env(tmp: Path, canaries: Canaries) -> dict[str, str]:
    """This process's environment without leadsync/Prefect settings, Prefect's home in `tmp`, and the canaries."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LEADSYNC_", "PREFECT_")) and k != "REQUESTS_CA_BUNDLE"}
    (tmp / "tmp").mkdir(parents=True, exist_ok=True)
    env.update({
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO",  # `make demo` says WARNING; INFO sends more to Prefect's log table
        "TMPDIR": str(tmp / "tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **canaries.sandbox_env(),
    })
    return env


def run_logged(command: list[str], env: Mapping[str, str], log: Path, timeout: float) -> tuple[int, str]:
    """Run from the repository with stdout and stderr into `log`; the exit code and the text."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        try:
            code = subprocess.run(command, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            code = -1
    return code, log.read_text(errors="replace")


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ with every LEADSYNC_* replaced by `values`, restored afterwards (load_settings reads it)."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("LEADSYNC_")]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def captured_logs(path: Path, level: int = logging.DEBUG) -> Iterator[None]:
    """Everything logged in this process at `level` and above, into `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


# ---------------------------------------------------------------------------------------------------- failures


def exception_text(action: Callable[[], object]) -> tuple[str | None, str]:
    """(the exception's type name or None when nothing raised, str + repr + traceback of it and its causes)."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - any exception's text is what is checked
        parts = ["".join(traceback.format_exception(exc))]
        seen: Exception | BaseException | None = exc
        while seen is not None:
            parts += [str(seen), repr(seen), repr(getattr(seen, "args", ()))]
            seen = seen.__cause__ or seen.__context__
        return type(exc).__name__, "\n".join(parts)
    return None, ""


def serve_stderr(env: Mapping[str, str], log: Path, canaries: Canaries) -> bool:
    """`leadsync sandbox serve` with the canaries, stderr into `log`; True when it served the canaries.

    Its stdout line is the hand-off of the connection facts (secrets by design): read here, never written to disk.
    """
    command = [str(BIN / "leadsync"), "sandbox", "serve", "--leads", "10"]
    with log.open("wb") as err:
        process = subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=subprocess.PIPE, stderr=err)
        try:
            facts = process.stdout.readline() if process.stdout else b""
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            process.kill()
            if process.stdout:
                process.stdout.close()
    return canaries.session_id.encode() in facts


def salesforce_password_env(handle: Any, password: str) -> dict[str, str]:
    """The handle's environment switched to username + password login (the session id removed)."""
    env = {k: v for k, v in handle.env().items() if k != "LEADSYNC_SALESFORCE_SESSION_ID"}
    env["LEADSYNC_SALESFORCE_PASSWORD"] = password
    env["LEADSYNC_SALESFORCE_DOMAIN"] = handle.sf.login_domain
    return env


def failing_logins(handle: Any, canaries: Canaries, out: Path) -> list[str]:
    """Refused logins through the wiring and the connectors; their text goes to files. Problems found, if any."""
    from connectors.definition_files import load_definition
    from connectors.environment import load_settings
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.ports import TimeWindow
    from connectors.settings import HubSpotSettings
    from flows.wiring import open_services
    from mapping.definition.compiled import compile_definition

    compiled = compile_definition(load_definition(DEFINITIONS))
    window = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    wrong = {**salesforce_password_env(handle, canaries.wrong_password),
             "LEADSYNC_DATABASE_URL": f"sqlite:///{out}/state.db"}

    def wiring() -> None:
        with patched_environ(wrong), open_services(load_settings(), DEFINITIONS):
            pass

    def hubspot() -> None:
        settings = HubSpotSettings(access_token=canaries.wrong_hubspot_token, base_url=handle.hs.base_url)
        HubSpotConnector(settings, compiled).source.count_changed(window)

    problems = []
    for name, action in (("salesforce-wiring", wiring), ("hubspot-connector", hubspot)):
        raised, text = exception_text(action)
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
        if raised != "AuthError":
            problems.append(f"{name} raised {raised}, not AuthError")
    return problems


# ---------------------------------------------------------------------------------------------------- rows


def row(name: str, canaries: Named, roots: list[Path], problems: list[str], **evidence: object) -> Row:
    found = scan(roots, canaries)
    notes = problems + [f"leak {hit}" for hit in found.hits[:3]] + [f"… {len(found.hits) - 3} more"] * (len(found.hits) > 3)
    return Row(f"7 secrets: {name}", not found.hits and not problems, {**found.figures(canaries), **evidence},
               "; ".join(notes))


def cli_row(tmp: Path, canaries: Canaries) -> tuple[Row, Row]:
    """`leadsync plan` (session) and `sync` (password login) against a sandbox expecting canaries, `leadsync sandbox
    serve`'s stderr, and failed logins (CLI, wiring, connector)."""
    from connectors.definition_files import load_definition
    from mapping.definition.compiled import compile_definition
    from sandbox.launch import SandboxSecrets, run_sandbox

    cli, auth = tmp / "cli", tmp / "auth"
    auth.mkdir(parents=True)
    env = base_env(tmp, canaries)
    problems: list[str] = []
    with run_sandbox(leads=FAST_LEADS, seed=7, definition=compile_definition(load_definition(DEFINITIONS)),
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        run_env = {**env, "LEADSYNC_DATABASE_URL": f"sqlite:///{cli}/state.db", "LEADSYNC_DEFINITIONS": str(DEFINITIONS)}
        tokens = len(handle.salesforce.state.tokens)
        plan_code, _ = run_logged([str(BIN / "leadsync"), "plan", "--json"], {**run_env, **handle.env()},
                                  cli / "plan.json", 120)
        sync_env = {**run_env, **salesforce_password_env(handle, canaries.password)}
        sync_code, _ = run_logged([str(BIN / "leadsync"), "sync", "--allow-mass-change"], sync_env, cli / "sync.log", 120)
        logins = len(handle.salesforce.state.tokens) - tokens
        hs_calls = sum(handle.hubspot.calls.snapshot().values())
        bad_sf, _ = run_logged([str(BIN / "leadsync"), "sync", "--dry-run"],
                               {**run_env, **salesforce_password_env(handle, canaries.wrong_password)},
                               auth / "cli-wrong-password.log", 120)
        bad_hs, _ = run_logged([str(BIN / "leadsync"), "sync", "--dry-run"],
                               {**run_env, **handle.env(), "LEADSYNC_HUBSPOT_ACCESS_TOKEN": canaries.wrong_hubspot_token},
                               auth / "cli-wrong-token.log", 120)
        with captured_logs(auth / "in-process.log"):
            auth_problems = failing_logins(handle, canaries, auth)
    served = serve_stderr(env, cli / "sandbox-serve.stderr", canaries)
    problems += [f"plan exited {plan_code}"] * (plan_code not in (0, 3)) + [f"sync exited {sync_code}"] * (sync_code != 0)
    problems += ["no successful password login with the canary"] * (logins < 1) + ["no HubSpot call"] * (hs_calls < 1)
    problems += ["`leadsync sandbox serve` did not serve the canaries"] * (not served)
    auth_problems += [f"wrong-password CLI exited {bad_sf}, not 1"] * (bad_sf != 1)
    auth_problems += [f"wrong-token CLI exited {bad_hs}, not 1"] * (bad_hs != 1)
    return (row("cli plan, sync, sandbox serve", canaries, [cli], problems, logins=logins, hubspot_calls=hs_calls),
            row("auth failure texts", canaries, [auth], auth_problems))


def demo_row(tmp: Path, canaries: Canaries) -> Row:
    """`make demo`'s command with the canaries; Prefect's database, the state database and the outputs in `tmp`."""
    work = tmp / "demo"
    env = base_env(work, canaries)
    code, text = run_logged([str(BIN / "leadsync"), "demo", "--out", str(work / "out")], env, work / "demo.log", 900)
    problems = [f"demo exited {code}"] * (code != 0)
    problems += ["the demo did not converge"] * ("corrections planned: 0" not in text)
    problems += ["no Prefect database"] * (not (work / "prefect" / "prefect.db").exists())
    problems += ["no state database"] * (not (work / "out" / "demo-state.db").exists())
    return row("demo", canaries, [work], problems, exit=code)


def prefect_failure_row(tmp: Path, canaries: Canaries) -> Row:
    """The Prefect `sync` flow failing its Salesforce login: the traceback lands in Prefect's log table."""
    from connectors.definition_files import load_definition
    from mapping.definition.compiled import compile_definition
    from sandbox.launch import SandboxSecrets, run_sandbox

    work = tmp / "flow-failure"
    env = base_env(work, canaries)
    script = "from flows.deployments.sync import sync; sync(dry_run=True)"
    with run_sandbox(leads=FAST_LEADS, seed=7, definition=compile_definition(load_definition(DEFINITIONS)),
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        wrong = {**env, **salesforce_password_env(handle, canaries.wrong_password),
                 "LEADSYNC_DATABASE_URL": f"sqlite:///{work}/state.db"}
        code, text = run_logged([str(BIN / "python"), "-c", script], wrong, work / "flow.log", 300)
    problems = [f"the flow exited {code}, expected a failure"] * (code == 0)
    problems += ["the failure is not the refused login"] * ("login refused" not in text)
    return row("prefect flow auth failure", canaries, [work], problems, exit=code)


MID_PULL_PAUSE_S = 5.0  # HubSpot holds the first page of its pull this long; Salesforce is stopped meanwhile
SYNC_SCRIPT = "from flows.deployments.sync import sync; sync(dry_run=True)"


@contextmanager
def canary_people_sandbox(canaries: Canaries, leads: LeadCanaries) -> Iterator[tuple[Any, Callable[[], None]]]:
    """An empty sandbox expecting the credential canaries and holding the canary people only; the callable stops the
    Salesforce emulator for good (connections refused from then on), as when it is killed mid-run."""
    from dataclasses import replace

    from connectors.definition_files import load_definition
    from mapping.definition.compiled import compile_definition
    from sandbox.hubspot import HubSpotSandbox
    from sandbox.launch import SandboxHandle, SandboxSecrets, add_definition_schema
    from sandbox.salesforce import SalesforceSandbox

    chosen = SandboxSecrets.from_env(canaries.sandbox_env())
    sf = SalesforceSandbox(seed=7, credentials=replace(chosen.salesforce))
    hs = HubSpotSandbox(seed=7, access_token=chosen.hubspot_access_token)
    add_definition_schema(sf, hs, compile_definition(load_definition(DEFINITIONS)))
    sf.load_leads(leads.salesforce_leads())
    hs.load_contacts(leads.hubspot_contacts())
    with ExitStack() as salesforce_up, hs.serve() as hs_conn:
        sf_conn = salesforce_up.enter_context(sf.serve())
        yield SandboxHandle(sf, hs, sf_conn, hs_conn), salesforce_up.close


def session_expiry_text(handle: Any, leads: LeadCanaries) -> tuple[str | None, str]:
    """In process: the Salesforce session expires under a lookup by the canary emails (a session-id login cannot be
    renewed, so it fails at once); the exception's type name and its whole text."""
    from connectors.definition_files import load_definition
    from connectors.salesforce.connector import SalesforceConnector
    from connectors.settings import SalesforceSettings
    from mapping.definition.compiled import compile_definition
    from sandbox.runtime import Fault, FaultKind

    settings = SalesforceSettings(instance_url=handle.sf.instance_url, session_id=handle.sf.session_id,
                                  ca_bundle=handle.sf.ca_bundle)
    connector = SalesforceConnector(settings, compile_definition(load_definition(DEFINITIONS)))
    handle.salesforce.inject(Fault("sf.query", FaultKind.INVALID_SESSION, probability=1.0))
    try:
        return exception_text(lambda: connector.source.find_by_emails(list(leads.emails)))
    finally:
        connector.close()


def run_killing_salesforce(env: Mapping[str, str], log: Path, handle: Any, stop_salesforce: Callable[[], None]) -> tuple[int, bool]:
    """`sync(dry_run=True)` as a Prefect flow in a subprocess; Salesforce stopped once HubSpot's pull began.

    (exit code, whether the stop came mid-run: while HubSpot held its first page)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen([str(BIN / "python"), "-c", SYNC_SCRIPT], cwd=REPO, env=dict(env), stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            while not handle.hubspot.faults.injected["slow"] and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            mid_run = bool(handle.hubspot.faults.injected["slow"]) and process.poll() is None
            stop_salesforce()
            return process.wait(timeout=300), mid_run
        finally:
            process.kill()


def prefect_error_logs(database: Path) -> list[str]:
    """The error-level messages in Prefect's log table."""
    if not database.exists():
        return []
    with sqlite3.connect(database) as db:
        return [str(message) for (message,) in db.execute("SELECT message FROM log WHERE level >= 40")]


def mid_pull_row(tmp: Path, canaries: Canaries, leads: LeadCanaries) -> Row:
    """The Prefect `sync` flow losing Salesforce mid-pull: the HubSpot pass's lookup of the canary emails in Salesforce
    fails (the query URL lists them), its task fails, and Prefect logs the failure with its traceback; in process, a
    session expiring under the same lookup. The flow's output, Prefect's home (log table, task states) and the
    exception texts are grepped for the canary people and the credentials (the state database, which holds the
    people by design, lies outside)."""
    work = tmp / "mid-pull"
    work.mkdir(parents=True, exist_ok=True)
    env = base_env(work, canaries)
    # INFO and above: urllib3 logs every request line at DEBUG, and a lookup's GET URL lists the emails it looks up.
    with canary_people_sandbox(canaries, leads) as (handle, stop_salesforce), \
            captured_logs(work / "in-process.log", logging.INFO):
        raised, text = session_expiry_text(handle, leads)
        (work / "session-expired.txt").write_text(text, encoding="utf-8")
        trusted = shutil.copy(handle.sf.ca_bundle, work / "salesforce-ca.pem")  # outlives the stopped emulator's
        handle.hubspot.inject("hs.contacts.search", "slow", nth=1, delay_s=MID_PULL_PAUSE_S)
        state_url = f"sqlite:///{tmp / 'mid-pull-state'}/state.db"
        an_earlier_sync_long_ago(state_url)  # incremental: the lookups by email, whose URLs list the canary people
        run_env = {**env, **handle.env(), "LEADSYNC_SALESFORCE_CA_BUNDLE": str(trusted),
                   "LEADSYNC_DATABASE_URL": state_url, "LEADSYNC_DEFINITIONS": str(DEFINITIONS)}
        code, mid_run = run_killing_salesforce(run_env, work / "flow.log", handle, stop_salesforce)
    output = (work / "flow.log").read_text(errors="replace")
    failures = [m for m in prefect_error_logs(work / "prefect" / "prefect.db") if "find failed" in m]
    problems = [f"the session expiry raised {raised}, not AuthError"] * (raised != "AuthError")
    problems += ["Salesforce was not stopped while the flow ran"] * (not mid_run)
    problems += [f"the flow exited {code}, expected a failure"] * (code == 0)
    problems += ["the failure is not the lookup by email"] * ("salesforce find failed" not in output)
    problems += ["no task failure in Prefect's log table"] * (not failures)
    return row("lead data, failure mid-pull", Together((canaries, leads)), [work], problems, exit=code,
               prefect_failure_logs=len(failures))


def tests_row(tmp: Path, canaries: Canaries) -> Row:
    """tests/e2e, tests/flows and tests/contract with the canaries; every test's output (-rA) and Prefect's db kept."""
    work = tmp / "tests"
    env = {**base_env(work, canaries), "PYTHONPATH": str(HERE), KEEP_ENV: str(work / "harness")}
    command = [str(BIN / "python"), "-m", "pytest", *TEST_PATHS, "-rA", "-p", "no:cacheprovider",  # addopts has -q
               "--log-level=INFO", f"--basetemp={work / 'pytest'}", "-p", "secrets_canary"]
    code, text = run_logged(command, env, work / "pytest.log", 1800)
    passed = _count(r"(\d+) passed", text)
    problems = [f"pytest exited {code}"] * (code != 0) + ["no test passed"] * (passed == 0)
    problems += ["no Prefect harness database kept"] * (not any((work / "harness").glob("*.db")))
    return row("test suite", canaries, [work], problems, passed=passed)


def rerecord(work: Path, env: Mapping[str, str]) -> list[str]:
    """Re-record the connector cassettes into `work`/cassettes (LEADSYNC_RECORD=1); problems, if any."""
    before = {p: p.read_bytes() for p in CASSETTES.rglob("*.yaml")}
    env = {**env, "PYTHONPATH": str(HERE), "LEADSYNC_RECORD": "1", CASSETTES_ENV: str(work / "cassettes")}
    command = [str(BIN / "python"), "-m", "pytest", "tests/contract/ports", "-k", "cassette]", "-rA",
               "-p", "no:cacheprovider", f"--basetemp={work / 'pytest'}", "-p", "secrets_canary"]
    code, _ = run_logged(command, env, work / "pytest.log", 600)
    problems = [f"re-recording exited {code}"] * (code != 0) + _restore(before)
    return problems + ["no cassette re-recorded"] * (not any((work / "cassettes").rglob("*.yaml")))


def cassettes_row(tmp: Path, canaries: Canaries) -> Row:
    """The committed cassettes, and the connector cassettes re-recorded against a sandbox expecting the canaries."""
    work = tmp / "record"
    problems = rerecord(work, base_env(work, canaries))
    recorded = len(list((work / "cassettes").rglob("*.yaml")))
    return row("cassettes", canaries, [work, CASSETTES], problems, committed=len(list(CASSETTES.rglob("*.yaml"))),
               rerecorded=recorded)


def password_org_cassettes_row(tmp: Path, canaries: Canaries) -> Row:
    """Re-recording "against a real org" (LEADSYNC_SALESFORCE_USERNAME set): a canary-expecting sandbox behind
    username + password + security token login, the way the cassette worlds (tests/contract/ports) take real credentials."""
    from connectors.definition_files import load_definition
    from mapping.definition.compiled import compile_definition
    from sandbox.launch import SandboxSecrets, run_sandbox

    work = tmp / "record-password-org"
    with run_sandbox(leads=300, seed=21, provisioned=True, definition=compile_definition(load_definition(DEFINITIONS)),
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        env = {**base_env(work, canaries), **salesforce_password_env(handle, canaries.password),
               "REQUESTS_CA_BUNDLE": handle.facts()["salesforce"]["ca_bundle"]}
        tokens = len(handle.salesforce.state.tokens)
        problems = rerecord(work, env)
        logins = len(handle.salesforce.state.tokens) - tokens
    problems += ["no successful password login with the canary"] * (logins < 1)
    return row("cassettes, password-login org", canaries, [work], problems, logins=logins,
               rerecorded=len(list((work / "cassettes").rglob("*.yaml"))))


def _restore(before: Mapping[Path, bytes]) -> list[str]:
    """Put back any committed cassette the re-recording changed (it must not); say so."""
    changed = [p for p, data in before.items() if not p.exists() or p.read_bytes() != data]
    for path in changed:
        path.write_bytes(before[path])
    return [f"re-recording touched {p.name} (restored)" for p in changed]


def _count(pattern: str, text: str) -> int:
    """The last match's number (pytest's summary line comes last)."""
    found = re.findall(pattern, text)
    return int(found[-1]) if found else 0


def run(full: bool) -> list[Row]:
    """The scenario's rows; the temp dir is removed when every row passed, else kept and named in the notes."""
    canaries = Canaries.fresh()
    tmp = Path(tempfile.mkdtemp(prefix="secrets-canary-"))
    rows = list(cli_row(tmp, canaries))
    if full:
        rows += [prefect_failure_row(tmp, canaries), mid_pull_row(tmp, canaries, LeadCanaries.fresh()),
                 demo_row(tmp, canaries), tests_row(tmp, canaries),
                 cassettes_row(tmp, canaries), password_org_cassettes_row(tmp, canaries)]
    if all(r.passed for r in rows):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        for failed in (r for r in rows if not r.passed):
            failed.note += f" (kept {tmp})"
    return rows


# ---------------------------------------------------------------------------------------------------- pytest plugin


def pytest_collection_finish(session: Any) -> None:
    """Record cassettes into CASSETTES_ENV's directory; refuse to run rather than overwrite the committed ones."""
    target = os.environ.get(CASSETTES_ENV)
    if not target:
        return
    module = sys.modules.get("tests.contract.cassettes")
    if module is None:
        import pytest

        pytest.exit("secrets_canary: tests.contract.cassettes is not loaded; not recording", returncode=2)
    Path(target).mkdir(parents=True, exist_ok=True)
    module.CASSETTES = Path(target)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Copy the Prefect test harness's database (in TMPDIR, deleted at exit) to KEEP_ENV's directory."""
    keep = os.environ.get(KEEP_ENV)
    if not keep:
        return
    Path(keep).mkdir(parents=True, exist_ok=True)
    for database in Path(tempfile.gettempdir()).glob("*/prefect-test.db*"):
        shutil.copy2(database, Path(keep) / f"{database.parent.name}-{database.name}")
