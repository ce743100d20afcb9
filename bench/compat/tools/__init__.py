"""One module per tool: the registry package it comes from, its configuration for a served sandbox, and the stream
whose records the suite checks. How it is run and read is its protocol's (compat.protocols)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Facts = dict[str, dict[str, str]]
# The seeded population's records are at most ~60 days old; a start a little before keeps slicing tools brief.
START_DATE = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT00:00:00Z")


@dataclass(frozen=True)
class Tool:
    """A tool under test: `package==version` installed in .compat/<package>/, run through `script`."""

    package: str
    version: str
    system: Literal["salesforce", "hubspot"]
    protocol: Literal["singer", "airbyte"]
    script: str
    stream: str
    key: str  # the record field holding the vendor's id
    config: Callable[[Facts], dict[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"


@dataclass(frozen=True)
class Unavailable:
    """A tool the suite cannot install from a package registry here, and why (printed as its row)."""

    label: str
    reason: str
