"""The funnel in the shared vocabulary, and the drift between each system's numbers and the definition's.

Built from the state store alone (no API call but one batched read of owner names the store never cached, when the
services have the systems' connectors): the sync keeps each page's funnel rows as it plans it (`record_funnel`); a
store without them, or with rows of another definition version, is rebuilt from the snapshots (the last pulled copy
of every record) first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from connectors.ports import TimeWindow
from flows.runs.batches import RunMemory, plan_batch
from flows.runs.funnel_owners import funnel_owner_names
from flows.runs.funnel_rows import record_funnel
from flows.runs.impact_parts import snapshot_services
from flows.runs.owner_names import owner_keys
from flows.runs.services import CRM, MA, Services
from mapping.funnel import StageCodes
from mapping.funnel_counts import SlaCount
from mapping.funnel_periods import Period, PeriodKind, funnel_periods, period_grid
from mapping.funnel_stats import (
    FunnelTables,
    at_end_series,
    at_end_table,
    cohort_rows,
    drift_rows,
    drift_totals,
    entered_table,
    entries_of_cohorts,
    first_populated,
    ranked_reasons,
    series_from,
    sla_from,
    sla_rows,
    velocity_rows,
)

GROUPINGS = ("none", "owner", "source")
Series = dict[tuple[str, int, str | None], list[int]]  # (view, code, group) -> stays open at each period's end


@dataclass(frozen=True)
class FunnelQuery:
    until: datetime
    since: date | None = None
    period: PeriodKind = PeriodKind.MONTH
    by: str = "none"  # one of GROUPINGS


@dataclass
class Funnel:
    query: FunnelQuery
    periods: tuple[Period, ...]
    codes: StageCodes
    labels: dict[str, str]  # stage key -> label
    tables: FunnelTables
    drift_totals: list[dict[str, int]]
    owner_names: dict[str, str] = field(default_factory=dict)
    unnamed_owners: bool = False  # some owners were never named: not cached, and not looked up (see funnel_owners)
    rebuilt: int = 0  # records whose rows were rebuilt from snapshots first


def rebuild_funnel(services: Services, until: datetime) -> int:
    """Rows for every record the snapshots hold, replayed through the planning code (reads only); the records done.

    What no history dates (a stage the definition decided, a record's first stage) is dated as the sync that kept
    the rows dated it: at the last one's as_of, so a rebuild right after a sync makes the rows it made. With no rows
    to go by, at the funnel's last instant: the last period ends where the definition has everyone now.
    """
    store = services.state
    as_of = store.funnel_as_of() or until - timedelta(seconds=1)
    store.clear_funnel()
    replay = snapshot_services(services.state, services.settings, services.compiled)
    memory = RunMemory()
    for system in (CRM, MA):
        for page in replay.systems[system].source.iter_changed(TimeWindow(as_of, as_of)):  # snapshots: all of them
            record_funnel(replay, plan_batch(replay, system, page, as_of, memory, keep_snapshots=False), as_of)
    return sum(store.funnel_versions().values())


def needs_rebuild(services: Services) -> bool:
    """No rows yet, or rows another definition version made (its stage codes may differ)."""
    versions = services.state.funnel_versions()
    return set(versions) != {services.compiled.version}


def build_funnel(services: Services, query: FunnelQuery, *, rebuild: bool = False) -> Funnel:
    """The funnel's tables for `query`, rebuilding the rows from the snapshots first when asked or needed.

    Periods before the first one in which anyone is anywhere are left out: nothing existed yet to count."""
    rebuilt = rebuild_funnel(services, query.until) if rebuild or needs_rebuild(services) else 0
    store = services.state
    codes = StageCodes(services.compiled)
    periods, series, sla = _periods_in_use(services, query)
    grid = period_grid(query.period, services.compiled.zone, periods)
    drift = drift_rows(series, len(periods), codes)
    cohorts = store.funnel_cohorts(grid, query.by)
    tables = FunnelTables(
        entered=entered_table(entries_of_cohorts(cohorts), codes),
        at_end=at_end_table(series, codes),
        cohorts=cohort_rows(cohorts, codes),
        velocity=velocity_rows(store.funnel_velocity(grid, query.by), codes),
        sla=sla_rows(sla),
        drift=drift,
        reasons=ranked_reasons(store.drift_reasons(grid)),
    )
    labels = {s.key: s.label for s in services.compiled.definition.stages}
    funnel = Funnel(query, periods, codes, labels, tables, drift_totals(drift, len(periods)), rebuilt=rebuilt)
    owners = [r.owner for r in tables.sla] + ([g for _, _, g in tables.entered] if query.by == "owner" else [])
    named = funnel_owner_names(services, owner_keys(owners))
    funnel.owner_names, funnel.unnamed_owners = named.names, named.unnamed
    return funnel


def _periods_in_use(services: Services, query: FunnelQuery) -> tuple[tuple[Period, ...], Series, list[SlaCount]]:
    """The query's periods from the first one anyone is in (or an SLA clock started in), with the stays open at each
    period's end and the SLA counts, over those periods."""
    periods = funnel_periods(query.period, services.compiled.zone, query.until, query.since)
    grid = period_grid(query.period, services.compiled.zone, periods)
    series = at_end_series(services.state.funnel_spans(grid, query.by), len(periods))
    sla = services.state.sla_trend(grid)
    first = first_populated(series, sla, len(periods))
    return periods[first:], series_from(series, first), sla_from(sla, first)


def funnel_document(funnel: Funnel) -> dict[str, Any]:
    """The funnel for machines: the same keys every time, stages by key, shares as fractions, times in hours."""
    t, names = funnel.tables, funnel.owner_names
    return {
        "since": funnel.periods[0].start.isoformat(), "until": funnel.periods[-1].end.isoformat(),
        "period": funnel.query.period.value, "by": funnel.query.by, "rebuilt_records": funnel.rebuilt,
        "stages": [{"key": s, "label": funnel.labels[s], "side": s in funnel.codes.side}
                   for s in (*funnel.codes.ladder, *funnel.codes.side)],
        "periods": [{"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()} for p in funnel.periods],
        "entered": [_cell(funnel, key, n, "people") for key, n in sorted(t.entered.items(), key=_cell_order)],
        "at_period_end": [_cell(funnel, key, n, "people") for key, n in sorted(t.at_end.items(), key=_cell_order)],
        "cohorts": [{"period": funnel.periods[c.period].label, "stage": c.stage, "group": c.group, "entered": c.entered,
                     "reached": c.reached, "side": c.side, "open": c.open, "outcomes": c.outcomes} for c in t.cohorts],
        "velocity": [{"from": a, "to": b, "group": g, "steps": n, "median_business_hours": round(p50 / 3600, 2),
                      "p90_business_hours": round(p90 / 3600, 2)} for a, b, g, n, p50, p90 in t.velocity],
        "sla_trend": [{"period": funnel.periods[r.period].label, "stage": r.stage, "owner": r.owner,
                       "owner_name": names.get(r.owner or ""), "states": r.states, "compliance": r.compliance}
                      for r in t.sla],
        "drift": [{"period": funnel.periods[d.period].label, "stage": d.stage, **d.systems, "definition": d.definition}
                  for d in t.drift],
        "drift_totals": [{"period": funnel.periods[i].label, **totals} for i, totals in enumerate(funnel.drift_totals)],
        "drift_reasons": [{"period": funnel.periods[r.period].label, "system": r.system, "stage": r.stage,
                           "reason": r.reason, "records": r.records} for r in t.reasons],
    }


def _cell(funnel: Funnel, key: tuple[int, str | None, str | None], n: int, name: str) -> dict[str, Any]:
    period, stage, group = key
    return {"period": funnel.periods[period].label, "stage": stage, "group": group, name: n}


def _cell_order(item: tuple[tuple[int, str | None, str | None], int]) -> tuple[int, str, str]:
    (period, stage, group), _ = item
    return (period, stage or "", group or "")
