"""Scenario 7 "secrets": canary credentials go over the real wire, and no log, Prefect log or artifact, state row,
plan, report, cassette or exception text holds them, nor their URL-encoded or base64 forms.

`run(full)` returns the table rows. Both modes start a sandbox that expects fresh canaries (LEADSYNC_SANDBOX_*, see
`connectors.sandbox.launch.SandboxSecrets`), run `leadsync plan` and `leadsync sync` against it (session and password
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
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from table import Row

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

    def figures(self, canaries: Canaries) -> dict[str, object]:
        return {"files": self.files, "MB": round(self.bytes / 1e6, 1), "canaries": len(canaries.named()),
                "hits": len(self.hits)}


def scan(roots: Iterable[Path], canaries: Canaries) -> Scan:
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
    """os.environ with every LEADSYNC_* replaced by `values`, restored afterwards (open_services reads it)."""
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
def captured_logs(path: Path) -> Iterator[None]:
    """Everything logged in this process at DEBUG and above, into `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
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
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.ports import TimeWindow
    from connectors.settings import HubSpotSettings
    from flows.wiring import open_services
    from mapping.compiled import compile_definition

    compiled = compile_definition(load_definition(DEFINITIONS))
    window = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    wrong = {**salesforce_password_env(handle, canaries.wrong_password),
             "LEADSYNC_DATABASE_URL": f"sqlite:///{out}/state.db"}

    def wiring() -> None:
        with patched_environ(wrong), open_services(DEFINITIONS):
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


def row(name: str, canaries: Canaries, roots: list[Path], problems: list[str], **evidence: object) -> Row:
    found = scan(roots, canaries)
    notes = problems + [f"leak {hit}" for hit in found.hits[:3]] + [f"… {len(found.hits) - 3} more"] * (len(found.hits) > 3)
    return Row(f"7 secrets: {name}", not found.hits and not problems, {**found.figures(canaries), **evidence},
               "; ".join(notes))


def cli_row(tmp: Path, canaries: Canaries) -> tuple[Row, Row]:
    """`leadsync plan` (session) and `sync` (password login) against a sandbox expecting canaries, `leadsync sandbox
    serve`'s stderr, and failed logins (CLI, wiring, connector)."""
    from connectors.sandbox.launch import SandboxSecrets, run_sandbox

    cli, auth = tmp / "cli", tmp / "auth"
    auth.mkdir(parents=True)
    env = base_env(tmp, canaries)
    problems: list[str] = []
    with run_sandbox(leads=FAST_LEADS, seed=7, definitions=DEFINITIONS,
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
    problems += [f"plan exited {plan_code}"] * (plan_code != 0) + [f"sync exited {sync_code}"] * (sync_code != 0)
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
    from connectors.sandbox.launch import SandboxSecrets, run_sandbox

    work = tmp / "flow-failure"
    env = base_env(work, canaries)
    script = "from flows.sync import sync; sync(dry_run=True)"
    with run_sandbox(leads=FAST_LEADS, seed=7, definitions=DEFINITIONS,
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        wrong = {**env, **salesforce_password_env(handle, canaries.wrong_password),
                 "LEADSYNC_DATABASE_URL": f"sqlite:///{work}/state.db"}
        code, text = run_logged([str(BIN / "python"), "-c", script], wrong, work / "flow.log", 300)
    problems = [f"the flow exited {code}, expected a failure"] * (code == 0)
    problems += ["the failure is not the refused login"] * ("login refused" not in text)
    return row("prefect flow auth failure", canaries, [work], problems, exit=code)


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
    before = {p: p.read_bytes() for p in CASSETTES.glob("*.yaml")}
    env = {**env, "PYTHONPATH": str(HERE), "LEADSYNC_RECORD": "1", CASSETTES_ENV: str(work / "cassettes")}
    command = [str(BIN / "python"), "-m", "pytest", "tests/contract/test_connector_cassettes.py", "-rA",
               "-p", "no:cacheprovider", f"--basetemp={work / 'pytest'}", "-p", "secrets_canary"]
    code, _ = run_logged(command, env, work / "pytest.log", 600)
    problems = [f"re-recording exited {code}"] * (code != 0) + _restore(before)
    return problems + ["no cassette re-recorded"] * (not any((work / "cassettes").glob("*.yaml")))


def cassettes_row(tmp: Path, canaries: Canaries) -> Row:
    """The committed cassettes, and the connector cassettes re-recorded against a sandbox expecting the canaries."""
    work = tmp / "record"
    problems = rerecord(work, base_env(work, canaries))
    recorded = len(list((work / "cassettes").glob("*.yaml")))
    return row("cassettes", canaries, [work, CASSETTES], problems, committed=len(list(CASSETTES.glob("*.yaml"))),
               rerecorded=recorded)


def password_org_cassettes_row(tmp: Path, canaries: Canaries) -> Row:
    """Re-recording "against a real org" (LEADSYNC_SALESFORCE_USERNAME set): a canary-expecting sandbox behind
    username + password + security token login, the way test_connector_cassettes.py takes real credentials."""
    from connectors.sandbox.launch import SandboxSecrets, run_sandbox

    work = tmp / "record-password-org"
    with run_sandbox(leads=300, seed=21, provisioned=True, definitions=DEFINITIONS,
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        env = {**base_env(work, canaries), **salesforce_password_env(handle, canaries.password),
               "REQUESTS_CA_BUNDLE": handle.facts()["salesforce"]["ca_bundle"]}
        tokens = len(handle.salesforce.state.tokens)
        problems = rerecord(work, env)
        logins = len(handle.salesforce.state.tokens) - tokens
    problems += ["no successful password login with the canary"] * (logins < 1)
    return row("cassettes, password-login org", canaries, [work], problems, logins=logins,
               rerecorded=len(list((work / "cassettes").glob("*.yaml"))))


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
        rows += [prefect_failure_row(tmp, canaries), demo_row(tmp, canaries), tests_row(tmp, canaries),
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
