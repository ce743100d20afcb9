"""The root of leadsync's exception tree and the errors of the pure domain.

    LeadsyncError                       every error leadsync raises on purpose
    ├── DefinitionError                 mapping/: a definition failed to parse or validate (all issues at once)
    ├── ConnectorError                  connectors/errors.py: a vendor API or the state store failed (its branch)
    ├── ConfigurationError              connectors/errors.py: a missing or invalid setting
    └── LeadNotFoundError               flows/runs/explain.py: no record of either system matches the identifier

Per-record problems are values (quarantined records, rejected writes), never exceptions: a run goes on. A guard
is no error either: another run holding the lock is a `RunLockedError`, and the blast-radius guard holds writes back
as values. tests/unit/test_error_trees.py checks this drawing against the classes.
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
