"""Scenario 7 "secrets", fast: canary credentials go over the wire and reach no output; refused logins name no secret;
a pull failing midway leaves no canary lead (email, name) in an exception text, a log or a Prefect task-failure log."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from secrets_canary import (
    DEFINITIONS,
    Canaries,
    LeadCanaries,
    canary_people_sandbox,
    encoded_forms,
    exception_text,
    mid_pull_row,
    run,
    scan,
    session_expiry_text,
)
from table import render

from connectors.definition_files import load_definition
from mapping.definition.compiled import compile_definition
from sandbox.launch import SandboxHandle, SandboxSecrets, run_sandbox
from sandbox.salesforce import Credentials


def test_no_canary_reaches_a_plan_log_state_row_or_exception_text() -> None:
    rows = run(False)
    assert rows and all(row.passed for row in rows), render(rows)


def test_the_sandbox_expects_the_fixed_values_unless_told_otherwise() -> None:
    assert SandboxSecrets.from_env({}) == SandboxSecrets()
    assert SandboxSecrets().salesforce.password == Credentials().password
    told = SandboxSecrets.from_env({"LEADSYNC_SANDBOX_SALESFORCE_SESSION_ID": "s", "LEADSYNC_SANDBOX_HUBSPOT_ACCESS_TOKEN": "t"})
    assert (told.salesforce.session_id, told.hubspot_access_token) == ("s", "t")


def test_the_grep_finds_a_planted_canary_in_every_form(tmp_path: Path) -> None:
    canaries = Canaries.fresh()
    secret = canaries.password
    (tmp_path / "plain.log").write_text(f"password={secret}\n")
    (tmp_path / "url.txt").write_text(f"https://x.invalid/?pw={quote(secret, safe='')}")
    for offset in range(3):
        basic = base64.b64encode(b"u" * offset + b":" + secret.encode() + b"!").decode()
        (tmp_path / f"basic-{offset}.txt").write_text(f"Authorization: Basic {basic}")
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (f"error: {canaries.session_id}",))
    found = scan([tmp_path], canaries)
    assert found.files == 6
    assert len({hit.split(": ")[0] for hit in found.hits}) == 6, found.hits


@pytest.fixture(scope="module")
def canary_world() -> Any:
    canaries = Canaries.fresh()
    with run_sandbox(empty=True, definition=compile_definition(load_definition(DEFINITIONS)),
                     secrets=SandboxSecrets.from_env(canaries.sandbox_env())) as handle:
        yield canaries, handle


def _salesforce_login(canaries: Canaries, handle: SandboxHandle) -> Callable[[], object]:
    from connectors.salesforce.connector import SalesforceConnector
    from connectors.settings import SalesforceSettings
    from tests.factories import compiled

    settings = SalesforceSettings(username=handle.sf.username, password=canaries.wrong_password,
                                  security_token=canaries.security_token, domain=handle.sf.login_domain,
                                  ca_bundle=handle.sf.ca_bundle)
    return lambda: SalesforceConnector(settings, compiled())


def _hubspot_call(canaries: Canaries, handle: SandboxHandle) -> Callable[[], object]:
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.settings import HubSpotSettings
    from tests.factories import compiled

    settings = HubSpotSettings(access_token=canaries.wrong_hubspot_token, base_url=handle.hs.base_url)
    return lambda: HubSpotConnector(settings, compiled()).source.read_records(["1"])


@pytest.mark.parametrize("attempt", [_salesforce_login, _hubspot_call], ids=["salesforce", "hubspot"])
def test_an_authentication_failure_does_not_carry_the_secret(canary_world: Any, attempt: Any) -> None:
    canaries, handle = canary_world
    raised, text = exception_text(attempt(canaries, handle))
    assert raised == "AuthError"
    body = text.encode()
    leaked = [name for name, value in canaries.named().items() if any(form in body for form in encoded_forms(value))]
    assert not leaked, f"the exception text holds {leaked}"


def _leaked(text: str, canaries: LeadCanaries | Canaries) -> list[str]:
    body = text.encode()
    return [name for name, value in canaries.named().items() if any(form in body for form in encoded_forms(value))]


def test_a_session_expiring_mid_pull_leaves_no_lead_email_or_name_in_the_exception_text() -> None:
    canaries, leads = Canaries.fresh(), LeadCanaries.fresh()
    with canary_people_sandbox(canaries, leads) as (handle, _stop):
        raised, text = session_expiry_text(handle, leads)  # the failing query's URL lists the canary emails

    assert raised == "AuthError"
    assert "SalesforceExpiredSession" not in text or "[SalesforceExpiredSession]" in text  # only its type name
    assert not _leaked(text, leads), f"the exception text holds {_leaked(text, leads)}"


@pytest.mark.e2e
def test_a_prefect_task_failing_mid_pull_logs_no_lead_email_or_name(tmp_path: Path) -> None:
    result = mid_pull_row(tmp_path, Canaries.fresh(), LeadCanaries.fresh())

    assert result.passed, render([result])
    assert result.figures["prefect_failure_logs"], render([result])
