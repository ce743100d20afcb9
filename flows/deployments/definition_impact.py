"""The `definition-impact` deployment (on demand): preview a definition change before adopting it.

Replays the leads the state store knows (or, with `live`, a fresh read-only pull) through the current and the
proposed definition; the result is a Prefect artifact (with a table of every affected lead) and the "Definition
impact" section of the next report.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from prefect import flow
from pydantic import Field

from connectors.environment import definitions_directory, load_settings
from connectors.settings import RunSettings, build
from connectors.store.sql_state import open_run_state
from flows.deployments.artifacts import publish_impact
from flows.deployments.runtime import run_instant
from flows.runs.impact import run_impact
from flows.wiring import load_compiled, services_for


@flow(name="definition-impact", timeout_seconds=1800, validate_parameters=True)
def definition_impact(
    proposed: Annotated[str, Field(min_length=1)],
    current: str | None = None,
    live: bool = False,
) -> dict[str, object]:
    """Replay known leads through the current and a proposed definition; writes nothing.

    Args:
        proposed: Directory of the proposed definition on the worker.
        current: Directory of the current definition (default: the deployed one).
        live: Pull fresh (reads only) instead of replaying the state store.
    """
    settings = build(RunSettings)
    current_directory = definitions_directory(Path(current) if current else None)
    old, new = load_compiled(current_directory), load_compiled(Path(proposed))
    state = open_run_state(settings.database_url)
    try:  # a replay needs the state store alone; only a live pull reads the credentials
        pull = partial(services_for, settings=load_settings(settings), state=state) if live else None
        result = run_impact(state, settings, old, new, as_of=run_instant(), live=pull,
                            labels=(str(current_directory), proposed))
    finally:
        state.close()
    summary = result.summary()
    publish_impact(summary, proposed)
    return summary
