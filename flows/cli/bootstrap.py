"""Where a `leadsync` command reads its settings: once, when it starts; everything below gets them passed in.

Heavy imports (Prefect, vendor clients, the state store) happen here at call time, so `--help` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flows.runs.services import Services


@contextmanager
def bootstrap(definitions: Path | None) -> Iterator[Services]:
    """The services of one command: settings from the environment (LEADSYNC_*), wired, closed when the block ends."""
    from connectors.environment import load_settings
    from flows.wiring import open_services

    with open_services(load_settings(), definitions) as services:
        yield services


def open_state() -> Any:
    """The state store alone, for commands that touch no system (`runs`, `release`)."""
    from connectors.settings import RunSettings, build
    from connectors.store.sql_state import open_run_state

    return open_run_state(build(RunSettings).database_url)
