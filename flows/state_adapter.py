"""Opens the run state the wiring uses: the SQL store at `LEADSYNC_DATABASE_URL`."""

from __future__ import annotations

from pydantic import SecretStr

from connectors.store.sql_state import SqlRunState
from connectors.store.sql_state import open_run_state as _open


def open_run_state(url: str | SecretStr) -> SqlRunState:
    return _open(url)
