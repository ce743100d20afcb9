"""`leadsync revert` and `leadsync release`: undo a run's corrections, and let correction touch held records again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.cli.bootstrap import bootstrap, open_state
from flows.cli.options import DefinitionsOption, guarded


def revert_command(
    run_id: Annotated[str, typer.Argument(help="The run whose corrections to undo.")],
    definitions: DefinitionsOption = None,
) -> None:
    """Undo a run's corrections where the system still holds the value leadsync wrote."""
    from flows.runs.revert import run_revert

    def action() -> Any:
        with bootstrap(definitions) as services:
            return run_revert(services, run_id, as_of=datetime.now(UTC))

    report = guarded(action)
    Console().print(f"reverted {len(report.reverted)} write(s); {len(report.changed_since)} left alone because "
                    "someone changed them since; the reverted records are held from automatic correction until "
                    "the definition changes or `leadsync release`", markup=False)


def release_command(
    record_ids: Annotated[list[str] | None, typer.Argument(help="Salesforce or HubSpot ids of held records.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Release every record a revert of this run held.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Release every held record.")] = False,
) -> None:
    """Let automatic correction touch records a revert put back (before the definition changes)."""
    from flows.runs.services import system_of_id

    if not (record_ids or run or everything) or (everything and (record_ids or run)):
        raise typer.BadParameter("give record ids, --run RUN_ID, or --all (alone)")
    keys = None
    if record_ids:
        unknown = [i for i in record_ids if system_of_id(i) is None]
        if unknown:
            raise typer.BadParameter(f"not a Salesforce or HubSpot id: {', '.join(unknown)}", param_hint="RECORD_IDS")
        keys = [(str(system_of_id(i)), i) for i in record_ids]
    state = guarded(open_state)
    lifted = guarded(lambda: state.release(keys=keys, run_id=run))
    # The next sync reads them again even if nothing changed since: releasing means "correct them now".
    guarded(lambda: state.add_revisits([(system, record_id, "released") for system, record_id in lifted]))
    Console().print(f"released {len(lifted)} held record(s); the next sync reads them again", markup=False)
