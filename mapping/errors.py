"""The root of leadsync's exception tree and the errors of the pure domain.

    LeadsyncError                       every error leadsync raises on purpose
    ├── DefinitionError                 mapping/: a definition failed to parse or validate (all issues at once)
    ├── ConnectorError                  connectors/errors.py: a vendor API or the state store failed
    └── RunAbortedError                 flows/: a guard stopped a run (blast radius, concurrent run)

Per-record problems are values (quarantined records, rejected writes), never exceptions: a run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass


class LeadsyncError(Exception):
    """Base class of every error leadsync raises deliberately."""


@dataclass(frozen=True, order=True)
class DefinitionIssue:
    """One located problem in a definition file: where it is and what was expected."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class DefinitionError(LeadsyncError):
    """A definition did not validate; carries every issue found, sorted by file and line."""

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        self.issues = sorted(set(issues))
        summary = "\n".join(str(issue) for issue in self.issues)
        super().__init__(f"the lead definition has {len(self.issues)} problem(s):\n{summary}")
