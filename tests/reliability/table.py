"""One row of the reliability table: a scenario, whether it held, and the figures that show it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    scenario: str  # e.g. "1 transient faults"
    passed: bool
    figures: dict[str, object] = field(default_factory=dict)
    note: str = ""  # why a row failed, or what it did not cover

    def line(self) -> str:
        figures = ", ".join(f"{k}={v}" for k, v in self.figures.items())
        return f"{'PASS' if self.passed else 'FAIL'}  {self.scenario:<34} {figures}{'  — ' + self.note if self.note else ''}"


def render(rows: Sequence[Row]) -> str:
    return "\n".join(row.line() for row in rows)
