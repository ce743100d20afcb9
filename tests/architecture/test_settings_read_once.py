"""Settings are read once, where the process starts (a `leadsync` command, a Prefect flow), and passed down:
nothing below the entry points reads the environment (DESIGN §3)."""

from __future__ import annotations

import ast

from tests.conftest import REPO

ENTRY_POINTS = ("flows/cli/", "flows/deployments/")
# Where settings are built from the environment, when an entry point asks.
READERS = {"connectors/environment.py": "connectors.environment", "connectors/settings.py": "connectors.settings.build"}


def _modules_below_the_entry_points() -> list[str]:
    paths = sorted((REPO / "flows").rglob("*.py")) + sorted((REPO / "connectors").rglob("*.py"))
    names = [str(path.relative_to(REPO)) for path in paths]
    return [name for name in names if not name.startswith((*ENTRY_POINTS, *READERS))]


def _environment_reads(source: str) -> list[str]:
    """Each read of the environment in `source`: os.environ / os.getenv, or a use of what reads it for us."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.append(f"{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "connectors.settings", "connectors.environment"):
            found += [f"{node.lineno}: {node.module}.{alias.name}" for alias in node.names
                      if f"{node.module}.{alias.name}".startswith(("os.environ", "os.getenv", *READERS.values()))]
    return sorted(found, key=lambda read: int(read.split(":")[0]))


def test_only_the_entry_points_read_the_environment() -> None:
    reads = {name: _environment_reads((REPO / name).read_text(encoding="utf-8")) for name in _modules_below_the_entry_points()}
    assert {name: found for name, found in reads.items() if found} == {}


def test_the_check_finds_every_way_of_reading_it() -> None:
    source = ("import os\nfrom os import getenv\nfrom connectors.settings import RunSettings, build\n"
              "from connectors.environment import load_settings\nURL = os.environ.get('X')\n")
    assert _environment_reads(source) == ["2: os.getenv", "3: connectors.settings.build",
                                          "4: connectors.environment.load_settings", "5: os.environ"]
    assert "flows/wiring.py" in _modules_below_the_entry_points()
    assert "flows/cli/bootstrap.py" not in _modules_below_the_entry_points()
