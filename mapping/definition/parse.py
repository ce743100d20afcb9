"""Parse and validate a definition from its files' text: models out, or every located problem at once.

Pure: takes `{file name: text}`; reading the files is `connectors.definition_files`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mapping.definition.checks import check_definition
from mapping.definition.models import SYSTEMS, Calendar, Definition, Lifecycle, SystemMapping
from mapping.definition.yaml_source import LocatedDocument, Path, parse_yaml
from mapping.errors import DefinitionError, DefinitionIssue

LIFECYCLE_FILE = "lifecycle.yaml"
CALENDAR_FILE = "calendar.yaml"
DEFINITION_FILES: tuple[str, ...] = (LIFECYCLE_FILE, CALENDAR_FILE, *(f"{system}.yaml" for system in SYSTEMS))

_UNION_TAGS = frozenset({"condition", "group", "[key]"})
M = TypeVar("M", bound=BaseModel)


def parse_definition(sources: Mapping[str, str]) -> Definition:
    """Build a `Definition` from the text of its files, or raise `DefinitionError` listing every issue."""
    issues: list[DefinitionIssue] = []
    documents: dict[str, LocatedDocument] = {}
    for name in DEFINITION_FILES:
        if name not in sources:
            expected = ", ".join(DEFINITION_FILES)
            issues.append(DefinitionIssue(name, 1, "(file)", f"file is missing; a definition has {expected}"))
            continue
        documents[name] = parse_yaml(name, sources[name])
        issues.extend(documents[name].issues)
    lifecycle = _validate(documents.get(LIFECYCLE_FILE), Lifecycle, issues)
    calendar = _validate(documents.get(CALENDAR_FILE), Calendar, issues)
    systems = {s: _validate(documents.get(f"{s}.yaml"), SystemMapping, issues) for s in SYSTEMS}
    if issues or lifecycle is None or calendar is None or any(m is None for m in systems.values()):
        raise DefinitionError(issues)
    valid_systems = {name: mapping for name, mapping in systems.items() if mapping is not None}
    issues = check_definition(lifecycle, calendar, valid_systems, documents)
    if issues:
        raise DefinitionError(issues)
    return Definition(
        lifecycle=lifecycle,
        calendar=calendar,
        systems=valid_systems,
        fingerprint=_fingerprint(lifecycle, calendar, valid_systems),
    )


def _validate(document: LocatedDocument | None, model: type[M], issues: list[DefinitionIssue]) -> M | None:
    if document is None or document.issues:
        return None
    if not isinstance(document.data, dict):
        issues.append(document.issue((), "expected a mapping of settings at the top level of the file"))
        return None
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        issues.extend(_located(document, error) for error in exc.errors(include_url=False))
        return None


def _located(document: LocatedDocument, error: Any) -> DefinitionIssue:
    path: Path = tuple(part for part in error["loc"] if part not in _UNION_TAGS)
    return document.issue(path, _message(error))


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the definition format; check the spelling)"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    if kind not in {"value_error"} and isinstance(given, str | int | float | bool):
        message += f" (got {given!r})"
    return message


def _fingerprint(lifecycle: Lifecycle, calendar: Calendar, systems: dict[str, SystemMapping]) -> str:
    """A content hash, so comment or layout edits keep the version and real edits change it."""
    payload = {
        "lifecycle": lifecycle.model_dump(mode="json", by_alias=True),
        "calendar": calendar.model_dump(mode="json"),
        "systems": {name: mapping.model_dump(mode="json") for name, mapping in sorted(systems.items())},
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
