"""Scenario 6, bad input: fuzzed definitions, garbage and injection records, bad CLI and flow parameters.

Every bad input must end as a located definition error, a quarantined record or a clear usage error, never as
a traceback; the good records around the garbage must still be planned, and no query may be sent unescaped.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from table import Row
from world import settings_from

from connectors.definition_files import load_definition
from mapping.convert import excerpt
from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.errors import DefinitionError
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import plan_pairs
from mapping.quarantine import Quarantine
from mapping.records import CanonicalLead

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = REPO / "definitions"
DEFINITION_FILES = ("lifecycle.yaml", "calendar.yaml", "salesforce.yaml", "hubspot.yaml")
LEADSYNC = Path(sys.executable).parent / "leadsync"
AS_OF = datetime(2026, 11, 20, 15, tzinfo=UTC)

INJECTIONS = (
    "x' OR Name != '",
    "\\' OR 1=1 --",
    '"}] , {"propertyName":"email","operator":"HAS_PROPERTY',
    "'; DELETE FROM Lead; --",
    "%' OR Email LIKE '%",
)
# Injection shapes that still pass the email syntax check, so they do reach the partner lookups.
INJECTION_EMAILS = ("x'or'1'='1@example.com", "a'||'b@example.com", "o'brien@example.com", "q\\'%@example.com")
GARBAGE_VALUES: tuple[object, ...] = (
    12345, -1.5e308, float("nan"), float("inf"), True, [1, "two"], {"nested": {"x": 1}}, b"\xff\xfebytes",
    "x" * 100_000, "\x00\x1b[31mred\r\n", "🎉🔥" * 20, "\ud800lone", "2026-02-30T25:61:00Z", "not a date",
    "", "   ", *INJECTIONS,
)


# --- 6a fuzzed definitions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One edit of one definition file; `position` picks the line, byte or match (modulo what the file has)."""

    kind: str
    file: str
    position: int
    payload: str = ""


MUTATION_KINDS = ("delete_line", "duplicate_line", "swap_scalar", "truncate", "indent", "insert_bytes", "stage_key")
PAYLOADS = (
    "", "null", "~", "0", "-1", "3.5", "1e400", ".nan", ".inf", "9" * 5000, "[1, 2]", "{a: b}", "[]", "{}",
    "🎉🔥", "'unterminated", '"also unterminated', "&a [*a]", "*undefined", "!!python/object/apply:os.system [id]",
    "!!binary aGk=", "2026-13-45", "true", "? [a]", "|", ">-", "- item", "\t", "\x00", "\udcff\udcfe", "\ud800",
    "99999999999999999999h", "PT99999999999999999999H", "nurture", "Sales Qualified", "key: value: again",
    *INJECTIONS,
)
_STAGE_WORD = re.compile(rb"\b(inquiry|mql|sal|sql|opportunity|customer|recycled|disqualified)\b")
_VALUE = re.compile(rb"^(\s*-?\s*[^:#\n]+:)[ \t]+\S.*$", re.MULTILINE)


def _encoded(payload: str) -> bytes:
    """Payload bytes; lone surrogates become invalid UTF-8 on purpose."""
    try:
        return payload.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return payload.encode("utf-8", "surrogatepass")


def _edit_line(text: bytes, position: int, edit: Callable[[bytes], bytes]) -> bytes:
    lines = text.split(b"\n")
    index = position % len(lines)
    lines[index] = edit(lines[index])
    return b"\n".join(lines)


def _swap_scalar(text: bytes, position: int, payload: bytes) -> bytes:
    matches = list(_VALUE.finditer(text))
    if not matches:
        return text + payload
    match = matches[position % len(matches)]
    return text[: match.start()] + match.group(1) + b" " + payload + text[match.end() :]


def _indent(line: bytes, payload: str) -> bytes:
    stripped = line.lstrip(b" ")
    if payload in {"", "\t"}:
        return b"\t" + stripped
    return (b" " if len(payload) % 2 else b"") + line[2:] if line.startswith(b"  ") else b"   " + line


def _stage_key(text: bytes, position: int, payload: bytes) -> bytes:
    matches = list(_STAGE_WORD.finditer(text))
    if not matches:
        return text
    match = matches[position % len(matches)]
    return text[: match.start()] + (payload or b"nurture") + text[match.end() :]


def apply_mutation(text: bytes, mutation: Mutation) -> bytes:
    payload, at = _encoded(mutation.payload), mutation.position
    kind = mutation.kind
    if kind == "delete_line":
        return _edit_line(text, at, lambda _line: b"")
    if kind == "duplicate_line":
        return _edit_line(text, at, lambda line: line + b"\n" + line)
    if kind == "swap_scalar":
        return _swap_scalar(text, at, payload)
    if kind == "truncate":
        return text[: at % (len(text) + 1)]
    if kind == "indent":
        return _edit_line(text, at, lambda line: _indent(line, mutation.payload))
    if kind == "insert_bytes":
        cut = at % (len(text) + 1)
        return text[:cut] + payload + text[cut:]
    if kind == "stage_key":
        return _stage_key(text, at, payload)
    raise ValueError(f"unknown mutation {kind!r}")


def random_mutations(rng: random.Random) -> list[Mutation]:
    return [
        Mutation(rng.choice(MUTATION_KINDS), rng.choice(DEFINITION_FILES), rng.randrange(1 << 16),
                 rng.choice(PAYLOADS) if rng.random() < 0.8 else _random_text(rng))
        for _ in range(rng.randint(1, 3))
    ]


def _random_text(rng: random.Random) -> str:
    alphabet = "abcXYZ019 :-[]{}'\"#&*!|>%@\t\n\\é🎉"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))


def write_mutated(directory: Path, mutations: list[Mutation]) -> None:
    """The default definition's four files, edited by `mutations`, written into `directory`."""
    texts = {name: (DEFINITIONS / name).read_bytes() for name in DEFINITION_FILES}
    for mutation in mutations:
        texts[mutation.file] = apply_mutation(texts[mutation.file], mutation)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (directory / name).write_bytes(text)


def definition_outcome(directory: Path) -> tuple[str, str]:
    """('valid' | 'located' | 'unlocated' | 'traceback', detail) for loading and compiling `directory`."""
    try:
        compile_definition(load_definition(directory))
    except DefinitionError as exc:
        bad = [line for line in str(exc).splitlines()[1:] if not _located(line, directory)]
        if bad or not exc.issues:
            return "unlocated", (bad or ["no issues"])[0][:300]
        return "located", ""
    except Exception as exc:  # noqa: BLE001  (anything else is the traceback this scenario hunts for)
        return "traceback", f"{type(exc).__name__}: {str(exc)[:300]}"
    return "valid", ""


def _located(line: str, directory: Path) -> bool:
    """`<dir>/<file>.yaml:<line>: <field>: <message>` with a line inside the file."""
    match = re.match(rf"^{re.escape(str(directory))}/([a-z]+\.yaml):(\d+): \S.*: ", line)
    if not match or match.group(1) not in DEFINITION_FILES:
        return False
    path = directory / match.group(1)
    length = path.read_bytes().count(b"\n") + 1 if path.exists() else 1
    return 1 <= int(match.group(2)) <= length + 1


def fuzz_definitions(cases: int, seed: int = 6) -> tuple[Counter[str], list[str]]:
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="leadsync-fuzz-") as scratch:
        for case in range(cases):
            mutations = random_mutations(rng)
            directory = Path(scratch) / f"case-{case}"
            write_mutated(directory, mutations)
            kind, detail = definition_outcome(directory)
            outcomes[kind] += 1
            if kind in {"traceback", "unlocated"}:
                failures.append(f"{mutations}: {detail}")
            shutil.rmtree(directory)
    return outcomes, failures


def check_cli_on_mutated(cases: int, seed: int = 66) -> tuple[int, list[str]]:
    """`leadsync definitions check` on mutated directories that do not validate: exit 1, no traceback."""
    rng = random.Random(seed)
    checked, failures = 0, []
    with tempfile.TemporaryDirectory(prefix="leadsync-cli-") as scratch:
        while checked < cases:
            directory = Path(scratch) / f"case-{checked}"
            write_mutated(directory, random_mutations(rng))
            if definition_outcome(directory)[0] != "located":
                continue
            result = _leadsync(["definitions", "check", str(directory)], _bare_env())
            checked += 1
            if result.returncode != 1 or "Traceback" in result.stdout + result.stderr:
                failures.append(f"{directory.name}: exit {result.returncode}: {result.stderr[-300:]}")
    return checked, failures


def definitions_row(full: bool) -> Row:
    started = time.monotonic()
    outcomes, failures = fuzz_definitions(3000 if full else 150)
    cli_checked, cli_failures = check_cli_on_mutated(8 if full else 2)
    failures += cli_failures
    figures = {"cases": sum(outcomes.values()), "valid": outcomes["valid"], "located_errors": outcomes["located"],
               "unlocated": outcomes["unlocated"], "tracebacks": outcomes["traceback"], "cli_dirs": cli_checked,
               "cli_failures": len(cli_failures), "s": round(time.monotonic() - started, 1)}
    return Row("6 fuzzed definitions", not failures, figures, failures[0][:200] if failures else "")


# --- 6b garbage records through normalize -> match -> plan (pure) ---------------------------------------------


def compiled_default() -> CompiledDefinition:
    return compile_definition(load_definition(DEFINITIONS))


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sf_record(index: int, **fields: Any) -> dict[str, Any]:
    record_id = f"00Q{index:015d}"
    record: dict[str, Any] = {
        "attributes": {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{record_id}"},
        "Id": record_id, "Status": "Open - Not Contacted", "Email": f"person{index}@example.com",
        "FirstName": "Ada", "LastName": f"Person {index}", "Company": "Example", "OwnerId": "005000000000001AAA",
        "IsConverted": False, "Leadsync_Lock__c": False, "CreatedDate": _stamp(AS_OF - timedelta(days=9)),
        "SystemModstamp": _stamp(AS_OF - timedelta(days=1)),
    }
    record.update(fields)
    return record


def hs_record(index: int, **properties: Any) -> dict[str, Any]:
    entered = (AS_OF - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    props: dict[str, Any] = {
        "hs_object_id": str(index), "email": f"person{index}@example.com", "lifecyclestage": "marketingqualifiedlead",
        "hubspotscore": "80", "hs_v2_date_entered_marketingqualifiedlead": entered, "lastmodifieddate": entered,
    }
    props.update(properties)
    return {"id": str(index), "properties": props, "archived": False}


# Raw field -> the garbage that must be reported there (other fields take garbage silently as text).
SF_FIELDS = ("Email", "Status", "CreatedDate", "FirstName", "LastName", "Company", "Budget__c", "IsConverted")
HS_FIELDS = ("email", "lifecyclestage", "hs_lead_status", "hubspotscore", "createdate", "firstname",
             "hs_v2_date_entered_marketingqualifiedlead", "salesforceleadid")


@dataclass
class GarbageBatch:
    crm: list[dict[str, Any]]
    ma: list[dict[str, Any]]
    garbage_ids: set[tuple[str, str]]
    good_ids: set[tuple[str, str]]


def garbage_batch(rng: random.Random, good: int, bad: int, offset: int = 0) -> GarbageBatch:
    """`good` matching Salesforce/HubSpot pairs that need a correction, and `bad` garbage records of each system."""
    crm = [sf_record(offset + i) for i in range(good)]
    ma = [hs_record(offset + i) for i in range(good)]
    good_ids = {("salesforce", r["Id"]) for r in crm} | {("hubspot", r["id"]) for r in ma}
    garbage: set[tuple[str, str]] = set()
    for i in range(offset + good, offset + good + bad):
        record = sf_record(i)
        _corrupt(record, rng.choice(SF_FIELDS), rng)
        crm.append(record)
        contact = hs_record(i)
        _corrupt(contact["properties"], rng.choice(HS_FIELDS), rng)
        ma.append(contact)
        garbage |= {("salesforce", record["Id"]), ("hubspot", contact["id"])}
    rng.shuffle(crm)
    rng.shuffle(ma)
    return GarbageBatch(crm, ma, garbage, good_ids)


def _corrupt(values: dict[str, Any], field: str, rng: random.Random) -> None:
    if rng.random() < 0.15:
        values.pop(field, None)
    else:
        values[field] = rng.choice(GARBAGE_VALUES)


@dataclass
class PureFigures:
    records: int = 0
    garbage: int = 0
    quarantined: int = 0
    good_planned: int = 0
    good_total: int = 0
    unsafe_excerpts: int = 0
    crashes: int = 0


def plan_garbage(compiled: CompiledDefinition, batch: GarbageBatch, figures: PureFigures, errors: list[str]) -> None:
    try:
        crm = [normalize_salesforce(r, compiled) for r in batch.crm]
        ma = [normalize_hubspot(r, compiled) for r in batch.ma]
        Quarantine().add([*crm, *ma])
        pairs = match_identities(crm, ma).pairs
        plan = plan_pairs(pairs, compiled, AS_OF)
    except Exception as exc:  # noqa: BLE001  (the crash this scenario hunts for)
        figures.crashes += 1
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    leads = [*crm, *ma]
    figures.records += len(leads)
    figures.garbage += len(batch.garbage_ids)
    figures.quarantined += sum(1 for lead in leads if lead.key in batch.garbage_ids and lead.problems)
    figures.unsafe_excerpts += sum(1 for lead in leads for p in lead.problems if not _safe_excerpt(p.raw))
    corrected = {(c.system, c.record_id) for c in plan.corrections}
    good_crm = [lead for lead in crm if lead.key in batch.good_ids]
    figures.good_total += len(good_crm)
    figures.good_planned += sum(1 for lead in good_crm if lead.key in corrected and not lead.problems)


def _safe_excerpt(raw: str | None) -> bool:
    return raw is None or (len(raw) <= 81 and raw.isprintable())


def _must_be_reported(lead: CanonicalLead) -> bool:
    """Garbage in the email or stage field always leaves a problem on the lead."""
    return bool(lead.problems)


def garbage_row(full: bool) -> Row:
    started = time.monotonic()
    rng = random.Random(61)
    compiled = compiled_default()
    figures, errors = PureFigures(), []
    batches = 200 if full else 10
    for number in range(batches):
        plan_garbage(compiled, garbage_batch(rng, good=20, bad=30, offset=number * 100), figures, errors)
    unreported = _unreported_core_garbage(compiled, rng)
    passed = (not errors and figures.good_planned == figures.good_total and figures.unsafe_excerpts == 0
              and unreported == 0)
    result = {"records": figures.records, "garbage": figures.garbage, "quarantined": figures.quarantined,
              "core_unreported": unreported, "good_planned": f"{figures.good_planned}/{figures.good_total}",
              "unsafe_excerpts": figures.unsafe_excerpts, "crashes": figures.crashes,
              "s": round(time.monotonic() - started, 1)}
    return Row("6 garbage records", passed, result, errors[0] if errors else "")


def _unreported_core_garbage(compiled: CompiledDefinition, rng: random.Random) -> int:
    """Every garbage value in the email or stage field of either system must leave a problem on its lead."""
    unreported = 0
    for value in GARBAGE_VALUES:
        for field in ("Email", "Status"):
            lead = normalize_salesforce(sf_record(1, **{field: value}), compiled)
            unreported += not _must_be_reported(lead)
        for field in ("email", "lifecyclestage"):
            lead = normalize_hubspot(hs_record(1, **{field: value}), compiled)
            unreported += not _must_be_reported(lead)
    return unreported


# --- 6b end to end: garbage and injection records in the sandbox emulators ------------------------------------


class SoqlRecorder:
    """Wraps the Salesforce emulator's query compiler: every SOQL text, and the ones it refused as malformed."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.refused: list[str] = []

    @contextmanager
    def installed(self) -> Iterator[SoqlRecorder]:
        from sandbox.salesforce import rest_query

        original = rest_query.compile_query

        def recording(org: Any, text: str, version: str) -> Any:
            self.queries.append(text)
            try:
                return original(org, text, version)
            except Exception:
                self.refused.append(text)
                raise

        rest_query.compile_query = recording
        try:
            yield self
        finally:
            rest_query.compile_query = original


def _garbage_leads(prefix: str, count: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        value = rng.choice([*INJECTIONS, "🎉 Hot lead", "\x1b[31mHot\r\n", "x" * 300, "Marketing Qualified "])
        rows.append({"Email": rng.choice([*INJECTIONS, *INJECTION_EMAILS, "not-an-email", "🎉@🎉"]),
                     "Status": value, "FirstName": "\x00\x1b" + value[:40], "LastName": f"{prefix} {i} {value[:60]}",
                     "Company": rng.choice(INJECTIONS)})
    return rows


def _injection_pairs(start_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A lead and a contact per injection-shaped email, so partner lookups must find exactly these."""
    leads = [{"Email": email, "Status": "Open - Not Contacted", "LastName": "Injection", "Company": "X"}
             for email in (*INJECTIONS, *INJECTION_EMAILS)]
    contacts = [{"id": str(start_id + n), "email": email, "lifecyclestage": "marketingqualifiedlead",
                 "hubspotscore": "90", "lastname": "Injection"}
                for n, email in enumerate((*INJECTIONS, *INJECTION_EMAILS))]
    return leads, contacts


def _garbage_contacts(start_id: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    return [{"id": str(start_id + i), "email": f"{rng.choice([*INJECTIONS, 'not-an-email', '🎉@🎉'])} {i}",
             "lifecyclestage": rng.choice(["🎉", "x' OR 1=1", *INJECTIONS]), "hubspotscore": rng.choice(["lots", "1e400", "🎉"]),
             "firstname": "\x00\x1b[31m", "lastname": "y" * 100_000}
            for i in range(count)]


def _exact_lookups(services: Any, emails: tuple[str, ...], expected: Mapping[str, int]) -> tuple[int, int]:
    """(emails looked up in both systems, records returned beyond those carrying exactly that email)."""
    from flows.runs.services import CRM, MA

    inflated = 0
    for system, email_of in ((CRM, lambda r: r.get("Email")), (MA, lambda r: (r.get("properties") or {}).get("email"))):
        for email in emails:
            found = services.systems[system].source.find_by_emails([email])
            exact = [r for r in found if str(email_of(r) or "").lower() == email.lower()]
            allowed = expected.get(f"{system}:{email.lower()}", 0) if system == CRM else 1
            inflated += len(found) - len(exact) + max(0, len(exact) - allowed)
    return len(emails) * 2, inflated


def sandbox_row(full: bool) -> Row:
    from sandbox.launch import run_sandbox

    started = time.monotonic()
    rng = random.Random(62)
    garbage = 60 if full else 12
    with tempfile.TemporaryDirectory(prefix="leadsync-bad-") as scratch, \
            run_sandbox(leads=400 if full else 60, seed=16, definition=compile_definition(load_definition(DEFINITIONS)),
                        provisioned=True) as handle:
        handle.salesforce.load_leads(_garbage_leads("Garbage", garbage, rng))
        injected_leads, injected_contacts = _injection_pairs(9_000_000)
        handle.salesforce.load_leads(injected_leads)
        handle.hubspot.load_contacts([*injected_contacts, *_garbage_contacts(9_100_000, garbage, rng)])
        env = {**handle.env(), "LEADSYNC_DATABASE_URL": f"sqlite:///{scratch}/state.db",
               "LEADSYNC_DEFINITIONS": str(DEFINITIONS), "REQUESTS_CA_BUNDLE": handle.facts()["salesforce"]["ca_bundle"]}
        figures, note = _sync_garbage(handle, env)
    figures["s"] = round(time.monotonic() - started, 1)
    passed = (figures["dry_run"] == "dry_run" and figures["real_run"] == "succeeded" and figures["soql_refused"] == 0
              and figures["inflated_matches"] == 0 and figures.get("injections_reported", 0) > 0 and figures["crashes"] == 0)
    return Row("6 injection strings", passed, figures, note)


def _expected_matches(handle: Any) -> Counter[str]:
    """Salesforce leads per exact email (HubSpot keeps emails unique: one contact at most)."""
    return Counter(f"salesforce:{str(lead.get('Email') or '').lower()}" for lead in handle.salesforce.records("Lead"))


def _sync_garbage(handle: Any, env: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    from flows.runs.sync import run_sync
    from flows.wiring import open_services

    figures: dict[str, Any] = {"dry_run": "-", "real_run": "-", "crashes": 0}
    note = ""
    with SoqlRecorder().installed() as soql:
        try:
            with open_services(settings_from(env)) as services:
                dry = run_sync(services, as_of=datetime.now(UTC), dry_run=True)
                real = run_sync(services, as_of=datetime.now(UTC), dry_run=False, allow_mass_change=True)
                lookups, inflated = _exact_lookups(services, (*INJECTIONS, *INJECTION_EMAILS), _expected_matches(handle))
        except Exception as exc:  # noqa: BLE001  (a crash of the run is what this row hunts for)
            figures["crashes"] = 1
            return figures, f"{type(exc).__name__}: {str(exc)[:200]}"
    counts = dry.counts()
    reported = {u.value for u in dry.unmapped}
    figures["injections_reported"] = sum(1 for text in INJECTIONS if excerpt(text) in reported)
    figures.update(dry_run=dry.status, real_run=real.status, records_seen=counts["records_seen"],
                   unmapped_values=counts["unmapped_values"], violations=counts["violations"],
                   failed_writes=real.counts()["failed"], soql_queries=len(soql.queries),
                   soql_refused=len(soql.refused), exact_lookups=lookups, inflated_matches=inflated)
    if soql.refused:
        note = f"refused SOQL: {soql.refused[0][:160]}"
    return figures, note


# --- 6c bad CLI arguments and bad flow parameters -------------------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    args: tuple[str, ...]
    exit_code: int
    says: str  # the message must contain this (case-insensitive)


CLI_CASES = (
    CliCase(("frobnicate",), 2, "No such command"),
    CliCase(("backfill", "--start", "not-a-date", "--end", "2026-01-01"), 2, "'--start': 'not-a-date' is not an ISO 8601"),
    CliCase(("backfill", "--start", "2026-03-01", "--end", "2026-01-01"), 2, "'--end': must be after --start"),
    CliCase(("backfill", "--start", "2026-01-01", "--end", "2026-02-01", "--systems", "marketo"), 2, "'marketo' is not one of"),
    CliCase(("backfill", "--start", "2026-01-01", "--end", "2026-02-01", "--chunk-days", "0"), 2, "--chunk-days"),
    CliCase(("backfill", "--end", "2026-02-01"), 2, "Missing option '--start'"),
    CliCase(("sync", "--jsn"), 2, "No such option"),
    CliCase(("sync", "--json=maybe"), 2, "does not take a value"),
    CliCase(("plan", "--as-of", "yesterday-ish"), 2, "'--as-of': 'yesterday-ish' is not an ISO 8601"),
    CliCase(("sla", "--as-of", "2026-99-99"), 2, "'--as-of'"),
    CliCase(("sync", "--as-of", "2030-01-01T00:00:00Z"), 2, "is in the future"),
    CliCase(("sla", "--as-of", "2030-01-01T00:00:00Z"), 2, "is in the future"),
    CliCase(("backfill", "--start", "2026-01-01", "--end", "2026-02-01", "--apply", "--as-of", "2030-01-01T00:00:00Z"),
            2, "is in the future"),
    CliCase(("plan", "--as-of", "0001-01-01T00:00:00Z"), 2, "lies outside 1900-01-01 to 2189-12-31"),
    CliCase(("backfill", "--start", "0001-01-01T00:00:00+05:00", "--end", "2026-01-01"), 2, "outside the years 1-9999"),
    CliCase(("runs", "--limit", "0"), 2, "--limit"),
    CliCase(("report", "--days", "-5"), 2, "--days"),
    CliCase(("revert",), 2, "Missing argument"),
    CliCase(("definitions", "render", "--format", "pdf"), 2, "'pdf' is not one of"),
    CliCase(("definitions", "check", "/nonexistent/definitions"), 1, "/nonexistent/definitions:1: (directory)"),
    CliCase(("sync", "--definitions", "/nonexistent/definitions"), 1, "not a directory of definition files"),
    CliCase(("sync", "--dry-run"), 1, "configuration: LEADSYNC_SALESFORCE_"),
    CliCase(("stages",), 1, "configuration: LEADSYNC_SALESFORCE_"),
)
FLOW_CASES: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("backfill", {"start": "yesterday-ish", "end": "2026-01-02"}, "start"),
    ("backfill", {"start": "2026-01-01", "end": "2026-01-02", "dry_run": "maybe"}, "dry_run"),
    ("backfill", {"start": "2026-01-01", "end": "2026-01-02", "systems": ["marketo"]}, "systems"),
    ("backfill", {"start": "2026-01-01", "end": "2026-01-02", "systems": []}, "systems"),
    ("backfill", {"start": "2026-01-01", "end": "2026-01-02", "chunk_days": 0}, "chunk_days"),
    ("backfill", {"start": "2026-01-01", "end": "2026-01-02", "bogus": 1}, "bogus"),
    ("sync", {"dry_run": "perhaps"}, "dry_run"),
    ("sync", {"allow_mass_change": [1]}, "allow_mass_change"),
    ("sync", {"definitions": 5}, "definitions"),
    ("revert", {"run_id": "x"}, "run_id"),
    ("revert", {}, "run_id"),
    ("report", {"days": 0}, "days"),
    ("report", {"days": "a week"}, "days"),
    ("sla_sweep", {"notify": "loud"}, "notify"),
    ("provision_stages", {"dry_run": "nah"}, "dry_run"),
)


def _bare_env() -> dict[str, str]:
    """No credentials, no LEADSYNC_* settings from the caller, a wide terminal so messages stay on one line."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SYSTEMROOT") if name in os.environ}
    return {**keep, "COLUMNS": "240", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def _leadsync(args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LEADSYNC), *args], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def run_cli_case(case: CliCase, scratch: Path) -> str | None:
    """None when the command failed cleanly as expected, else what went wrong."""
    env = {**_bare_env(), "LEADSYNC_DEFINITIONS": str(DEFINITIONS), "LEADSYNC_DATABASE_URL": f"sqlite:///{scratch}/s.db"}
    result = _leadsync(list(case.args), env, cwd=scratch)
    output = result.stdout + result.stderr
    if "Traceback" in output:
        return f"{case.args}: traceback"
    if result.returncode != case.exit_code:
        return f"{case.args}: exit {result.returncode}, expected {case.exit_code}: {output.strip()[-200:]}"
    lines = [line for line in output.splitlines() if case.says.lower() in line.lower()]
    if not lines:
        return f"{case.args}: no line saying {case.says!r} in {output.strip()[-300:]!r}"
    return None


def flow_parameter_error(flow_name: str, parameters: dict[str, Any]) -> str | None:
    """The validation error Prefect raises for `parameters`, or None when they pass."""
    import importlib

    flow = getattr(importlib.import_module(f"flows.deployments.{flow_name}"), flow_name)
    try:
        flow.validate_parameters(parameters)
    except Exception as exc:  # noqa: BLE001  (ParameterTypeError or SignatureMismatchError; both name it)
        return f"{type(exc).__name__}: {exc}"
    return None


def backfill_range_error() -> str | None:
    """A reversed range passes per-parameter validation; the flow must refuse it before doing anything."""
    from flows.deployments.backfill import backfill

    try:
        backfill.fn(start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    except ValueError as exc:
        return str(exc)
    return None


def cli_row(full: bool) -> Row:
    started = time.monotonic()
    cases = CLI_CASES if full else CLI_CASES[:6] + CLI_CASES[-3:]
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="leadsync-cli-") as scratch:
        for case in cases:
            if (problem := run_cli_case(case, Path(scratch))) is not None:
                failures.append(problem)
    flow_errors = 0
    with _quiet_prefect():
        for flow_name, parameters, name in FLOW_CASES:
            error = flow_parameter_error(flow_name, parameters)
            if error is None or name not in error:
                failures.append(f"{flow_name}({parameters}) passed validation or did not name {name!r}: {error}")
            else:
                flow_errors += 1
    range_error = backfill_range_error()
    if range_error is None or "must be after start" not in range_error:
        failures.append(f"backfill with end before start was not refused: {range_error}")
    figures = {"cli_cases": len(cases), "flow_cases": len(FLOW_CASES) + 1, "clear_errors": len(cases) + flow_errors
               + (range_error is not None) - sum(1 for f in failures if "traceback" not in f), "tracebacks":
               sum(1 for f in failures if "traceback" in f), "failures": len(failures),
               "s": round(time.monotonic() - started, 1)}
    return Row("6 bad CLI / flow params", not failures, figures, failures[0][:200] if failures else "")


@contextmanager
def _quiet_prefect() -> Iterator[None]:
    """Prefect logs every refused parameter set at ERROR; the figures say it, the log need not."""
    import logging

    import flows.deployments.backfill  # noqa: F401  (Prefect configures its loggers on import: quiet them after that)

    logger = logging.getLogger("prefect.flows")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def run(full: bool) -> list[Row]:
    return [definitions_row(full), garbage_row(full), sandbox_row(full), cli_row(full)]
