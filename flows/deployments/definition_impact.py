"""The `definition-impact` deployment (on demand): preview a definition change before adopting it.

Replays the leads the state store knows (or, with `live`, a fresh read-only pull) through the current and the
proposed definition; the result is a Prefect artifact (with a table of every affected lead) and the "Definition
impact" section of the next report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import Field

from connectors.definition_files import definitions_directory, load_definition
from connectors.settings import RunSettings, build
from flows.render.impact import impact_markdown
from flows.runs.impact import run_impact
from flows.deployments.support import run_instant
from connectors.store.sql_state import open_run_state
from flows.wiring import services_for
from mapping.definition.compiled import compile_definition


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
    old = compile_definition(load_definition(Path(current) if current else None))
    new = compile_definition(load_definition(Path(proposed)))
    state = open_run_state(settings.database_url)
    try:
        result = run_impact(state, settings, old, new, as_of=run_instant(),
                            live=(lambda compiled: services_for(compiled, settings, state)) if live else None,
                            labels=(str(definitions_directory(Path(current) if current else None)), proposed))
    finally:
        state.close()
    summary = result.summary()
    create_markdown_artifact(impact_markdown(summary), key="leadsync-definition-impact",
                             description=f"what adopting {proposed} would change")
    if summary["affected_leads"]:  # the Markdown lists the first few; this table has every one
        create_table_artifact(summary["affected_leads"], key="leadsync-definition-impact-leads",
                              description=f"every lead adopting {proposed} would change")
    return summary
