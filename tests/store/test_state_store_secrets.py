"""The state store's URL is a secret, and its failures carry neither the URL's password nor a statement's parameters
(lead emails and names): only the failure's type name."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

from connectors.errors import ConfigurationError
from connectors.ports import Snapshot
from connectors.settings import RunSettings, build
from connectors.store.sql_state import StateStoreError, open_run_state
from flows.cli.app import app

PASSWORD = "CANARY-db-pw-5f1c2e"
EMAIL, NAME = "canary.lead.93ab@example.com", "Canaryname93ab"
UNREACHABLE = f"postgresql+psycopg://leadsync:{PASSWORD}@127.0.0.1:1/leadsync"  # nothing listens on port 1


def _rendered(error: BaseException) -> str:
    """What a log or a failed task's traceback shows of an error: its chain as Python prints it, str and repr."""
    return "".join(traceback.format_exception(error)) + str(error) + repr(error)


def test_the_database_url_shows_in_no_repr_str_or_dump_of_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", UNREACHABLE)

    settings = build(RunSettings)

    assert isinstance(settings.database_url, SecretStr) and settings.database_url.get_secret_value() == UNREACHABLE
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert PASSWORD not in shown


def test_an_unreachable_database_is_named_by_its_failure_type_never_its_password() -> None:
    with pytest.raises(StateStoreError) as caught:
        open_run_state(SecretStr(UNREACHABLE))

    assert caught.value.cause == "OperationalError" and "[OperationalError]" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert PASSWORD not in _rendered(caught.value)


def test_a_url_that_does_not_parse_is_a_configuration_error_without_its_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_run_state(SecretStr(f"postgresql+psycopg://leadsync:{PASSWORD}@db:not-a-port/leadsync"))

    assert caught.value.variable == "LEADSYNC_DATABASE_URL"
    assert PASSWORD not in _rendered(caught.value)


def test_the_cli_reports_an_unreachable_database_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_DATABASE_URL", UNREACHABLE)

    result = CliRunner().invoke(app, ["runs"])

    assert result.exit_code == 1 and "OperationalError" in result.output, result.output
    assert PASSWORD not in result.output


def test_a_failed_statement_logs_no_email_or_name_of_its_parameters(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = open_run_state(f"sqlite:///{tmp_path}/state.db")
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE lead_snapshots"))
    record = {"Id": "00Q000000000001AAA", "Email": EMAIL, "FirstName": NAME, "LastName": NAME}

    with pytest.raises(StateStoreError) as caught:
        store.save_snapshots([Snapshot("salesforce", "00Q000000000001AAA", EMAIL, record)])
    logging.getLogger("leadsync.test").error("save failed", exc_info=caught.value)
    store.close()

    assert caught.value.cause == "OperationalError" and caught.value.__cause__ is None
    shown = _rendered(caught.value) + caplog.text
    assert EMAIL not in shown and NAME not in shown
