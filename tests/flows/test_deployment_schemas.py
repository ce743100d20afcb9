"""What the Prefect server stores for each deployment's parameters: every field described, bad input refused.

The server builds the UI's *Custom run* form from this schema and, with `enforce_parameter_schema`, validates a new
run's parameters against it with `prefect.utilities.schema_tools.validation.validate` (the function used here).
"""

from __future__ import annotations

import calendar
import importlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools.validation import ValidationError, validate
from pydantic import TypeAdapter

from flows.deployments.backfill import backfill
from flows.deployments.parameters import ISO_INSTANT
from tests.conftest import REPO

DEPLOYMENTS = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]


def _schema(entrypoint: str) -> dict[str, Any]:
    path, name = entrypoint.split(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
    return parameter_schema(getattr(module, name)).model_dump_for_openapi()


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_every_parameter_of_every_deployment_is_described_for_the_custom_run_form(deployment: dict[str, Any]) -> None:
    properties = _schema(deployment["entrypoint"])["properties"]
    undescribed = [name for name, field in properties.items() if not field.get("description")]
    assert not undescribed, f"{deployment['name']}: no description for {undescribed} (write them in the docstring's Args:)"


def _backfill_errors(**parameters: Any) -> str:
    schema = parameter_schema(backfill).model_dump_for_openapi()
    try:
        validate({"start": "2026-09-01", "end": "2026-12-01", **parameters}, schema, raise_on_error=True)
    except ValidationError as error:
        return str(error)
    return ""


def test_the_server_schema_accepts_the_documented_backfill_parameters() -> None:
    assert _backfill_errors() == ""
    assert _backfill_errors(start="2026-09-01T08:00:00.000Z", end="2026-12-01 00:00:00+01:00", chunk_days=90,
                            systems=["hubspot"], dry_run=False) == ""


@pytest.mark.parametrize(("parameters", "named"), [
    ({"start": "not-a-date"}, "start"),
    ({"end": "2026-13-01"}, "end"),
    ({"start": "01/09/2026"}, "start"),
    ({"start": "2026-09-01\n"}, "start"),
    ({"end": "1700000000"}, "end"),
    ({"chunk_days": 0}, "chunk_days"),
    ({"chunk_days": 91}, "chunk_days"),
    ({"systems": []}, "systems"),
    ({"systems": ["marketo"]}, "systems"),
    ({"dry_run": "maybe"}, "dry_run"),
])
def test_the_server_schema_refuses_bad_backfill_parameters_naming_the_field(parameters: dict[str, Any], named: str) -> None:
    assert named in _backfill_errors(**parameters)


@given(st.from_regex(ISO_INSTANT, fullmatch=True))
def test_whatever_the_pattern_lets_through_the_flow_can_read(text: str) -> None:
    year, month, day = (int(part) for part in text[:10].split("-"))
    if day > calendar.monthrange(year, month)[1]:  # a pattern cannot know month lengths: the flow refuses these
        return
    assert isinstance(TypeAdapter(datetime).validate_python(text), datetime)


@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.none() | st.timezones()))
def test_every_iso_instant_python_writes_matches_the_pattern(instant: datetime) -> None:
    for text in (instant.isoformat(), instant.date().isoformat(), instant.isoformat(sep=" ", timespec="milliseconds")):
        if instant.utcoffset() is not None and instant.utcoffset().seconds % 60:  # sub-minute historic offsets (LMT)
            continue
        assert re.match(ISO_INSTANT, text), text
