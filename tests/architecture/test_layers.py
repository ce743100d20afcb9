"""The dependency rule and the purity of mapping/, made executable."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests.conftest import DEFAULT_DEFINITIONS, EXAMPLE_DEFINITIONS, REPO

CODE_PACKAGES = ("mapping", "connectors", "flows")
# The emulators reproduce the vendors' stock configuration (HubSpot's default lifecycle options, Salesforce's
# default Lead Status values); that is the vendors' vocabulary, not our funnel, so they are exempt.
EXEMPT = ("sandbox/",)
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("time", "perf_counter")}


def _python_files(package: str) -> Iterator[Path]:
    yield from sorted((REPO / package).rglob("*.py"))


def test_mapping_never_reads_the_clock() -> None:
    offenders = []
    for path in _python_files("mapping"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in CLOCK_CALLS):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []


def _stage_vocabulary() -> set[str]:
    words: set[str] = set()
    for directory in [DEFAULT_DEFINITIONS, *EXAMPLE_DEFINITIONS.iterdir()]:
        lifecycle = yaml.safe_load((directory / "lifecycle.yaml").read_text())
        for stage in lifecycle["stages"]:
            words.update({stage["key"], stage["label"]})
        for system in ("salesforce", "hubspot"):
            mapping = yaml.safe_load((directory / f"{system}.yaml").read_text())
            for stage_field in mapping["stage_fields"]:
                words.update(str(raw) for raw in stage_field["read"])
    return words


def test_code_names_no_stage_of_any_definition() -> None:
    vocabulary = _stage_vocabulary()
    offenders = []
    for package in CODE_PACKAGES:
        for path in _python_files(package):
            relative = path.relative_to(REPO).as_posix()
            if relative.startswith(EXEMPT):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in vocabulary:
                    offenders.append(f"{relative}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_vendor_clients_are_imported_only_by_their_connectors() -> None:
    allowed = {"simple_salesforce": "connectors/salesforce/", "hubspot": "connectors/hubspot/"}
    pattern = re.compile(r"^\s*(?:from|import)\s+(simple_salesforce|hubspot)\b", re.MULTILINE)
    offenders = []
    for package in CODE_PACKAGES:
        for path in _python_files(package):
            relative = path.relative_to(REPO).as_posix()
            for match in pattern.finditer(path.read_text()):
                if not relative.startswith(allowed[match.group(1)]):
                    offenders.append(f"{relative}: imports {match.group(1)}")
    assert offenders == []
