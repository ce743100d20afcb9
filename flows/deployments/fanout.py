"""A wide backfill fanned out over the work pool: disjoint slices run as concurrent flow runs of the same deployment.

The parent submits one flow run per slice, waits for them, submits a failed slice once more on its own (its
finished chunks are checkpointed, so it resumes), and keeps one progress artifact for the whole range. The
workers share the vendors' rate limits through Prefect global concurrency limits (`shared_rate_limits`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import rate_limit
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import deployment, flow_run

from connectors.ports import TimeWindow
from connectors.settings import Settings
from flows.render.plan import markdown_table

SLICE_DEPLOYMENT = "backfill-slice"
ATTEMPTS = 2  # a slice that fails is submitted once more, alone
POLL_S = 2.0
# Slot-decay limits the workers share, sized so that no window of the vendor's can hold more than it allows:
# a burst of `limit` plus `decay` per second. HubSpot: 190 calls per 10 s (10 + 18 × 10), 5 searches a second (1 + 4).
SHARED_LIMITS = {"hubspot": (10, 18.0), "hubspot-search": (1, 4.0)}


@dataclass
class Slice:
    window: TimeWindow
    attempts: int = 0
    run_ids: list[UUID] = field(default_factory=list)
    state: str = "PENDING"

    @property
    def label(self) -> str:
        return f"{self.window.start.isoformat()} → {self.window.end.isoformat()}"


def ensure_shared_limits() -> None:
    """Create the global concurrency limits the slices pace themselves by (kept as they are when they exist)."""
    with get_client(sync_client=True) as client:
        for name, (limit, decay) in SHARED_LIMITS.items():
            try:
                client.read_global_concurrency_limit_by_name(_limit_name(name))
            except ObjectNotFound:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=_limit_name(name), limit=limit, slot_decay_per_second=decay))


def shared_rate_limit(name: str) -> None:
    """Wait for a slot of the workers' shared limit `name` ("hubspot", "hubspot-search"): the connectors' call gate."""
    rate_limit(_limit_name(name), occupy=1)


def _limit_name(name: str) -> str:
    return f"leadsync-{name}"


def fan_out_backfill(windows: Sequence[TimeWindow], parameters: dict[str, Any]) -> dict[str, Any]:
    """The parent of a fanned-out backfill: its slices run, one progress artifact and one summary for the range."""
    progress: Any = create_progress_artifact(0.0, key="backfill-progress", description="slices done")
    def advance(share: float) -> None:
        update_progress_artifact(progress, 100.0 * share)

    slices = fan_out(windows, parameters, advance)
    create_markdown_artifact(fan_out_markdown(slices), key="backfill-summary", description="leadsync backfill")
    failed = [piece.label for piece in slices if piece.state != "COMPLETED"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(slices)} backfill slices failed twice: {', '.join(failed)}")
    return {"slices": len(slices), "flow_runs": [str(i) for piece in slices for i in piece.run_ids]}


def slice_settings(settings: Settings, part_of: int) -> Settings:
    """A slice's settings: its share of the daily API budget divided among the slices running together."""
    if part_of == 1:
        return settings
    return replace(settings, run=settings.run.model_copy(update={"budget_share": settings.run.budget_share / part_of}))


def slice_gate(part_of: int) -> Callable[[str], None] | None:
    """Slices running together pace their calls by the shared limits; a lone run by its own limiters only."""
    return shared_rate_limit if part_of > 1 else None


def fan_out(windows: Sequence[TimeWindow], parameters: dict[str, Any],
            progress: Callable[[float], None]) -> list[Slice]:
    """Run each window as a flow run of this deployment with `parameters`; wait for all, retrying a failure once."""
    if deployment.name is None:
        raise ValueError("slices > 1 fans out over the work pool: run the `backfill` deployment, not the bare flow")
    ensure_shared_limits()
    name = f"{flow_run.flow_name}/{SLICE_DEPLOYMENT}"  # `backfill` runs one at a time; its slices run side by side
    slices = [Slice(w) for w in windows]
    for piece in slices:
        _submit(name, piece, parameters, len(slices))
    while not all(piece.state in ("COMPLETED", "FAILED") for piece in slices):
        time.sleep(POLL_S)
        for piece in slices:
            _follow(name, piece, parameters, len(slices))
        progress(sum(piece.state == "COMPLETED" for piece in slices) / len(slices))
    return slices


def _submit(name: str, piece: Slice, parameters: dict[str, Any], part_of: int) -> None:
    piece.attempts += 1
    child: Any = run_deployment(  # a FlowRun here (called from sync code); typed as FlowRun | Coroutine
        name, timeout=0, as_subflow=True,
        parameters={**parameters, "start": piece.window.start.isoformat(), "end": piece.window.end.isoformat(),
                    "slices": 1, "part_of": part_of},
        idempotency_key=f"{flow_run.id}:{piece.label}:{piece.attempts}",
        flow_run_name=f"backfill slice {piece.label}")
    piece.run_ids.append(child.id)
    piece.state = "RUNNING"


def _follow(name: str, piece: Slice, parameters: dict[str, Any], part_of: int) -> None:
    if piece.state != "RUNNING":
        return
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(piece.run_ids[-1]).state
    if state is None or not state.is_final():
        return
    if state.is_completed():
        piece.state = "COMPLETED"
    elif piece.attempts < ATTEMPTS:
        _submit(name, piece, parameters, part_of)
    else:
        piece.state = "FAILED"


def fan_out_markdown(slices: Sequence[Slice]) -> str:
    rows = [(piece.label, piece.state, piece.attempts, ", ".join(str(i) for i in piece.run_ids)) for piece in slices]
    done = sum(piece.state == "COMPLETED" for piece in slices)
    return "\n".join([f"# leadsync backfill — {done} of {len(slices)} slices completed", "",
                      "Each slice is a flow run of this deployment; its own summary and corrections are its artifacts.",
                      "", markdown_table(["slice", "state", "attempts", "flow runs"], rows)]) + "\n"
