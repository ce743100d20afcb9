"""The close-the-loop report's data for the Sales and Marketing review (`flows.render.report` draws it).

Reads the state store (corrections, SLA clocks, stage observations, the latest run's findings, the funnel's rows); the
only API calls are one batched read per system of the owner names the store has not cached in the last day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows.runs.funnel import Funnel, FunnelQuery, build_funnel
from flows.runs.owner_names import owner_keys, resolve_owner_names
from flows.runs.services import Services
from mapping.funnel_periods import PeriodKind

NO_OWNER = "(no owner)"
FUNNEL_WEEKS = 12


@dataclass
class ReportData:
    since: datetime
    as_of: datetime
    corrections_by_rule: Counter[str] = field(default_factory=Counter)
    corrections_by_status: Counter[str] = field(default_factory=Counter)
    sla_by_stage: dict[str, Counter[str]] = field(default_factory=dict)
    sla_by_owner: dict[str, Counter[str]] = field(default_factory=dict)  # by owner id
    owner_names: dict[str, str] = field(default_factory=dict)  # owner id -> name, where one is known
    dwell_hours: dict[str, list[float]] = field(default_factory=dict)
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    impact: dict[str, Any] | None = None  # the latest `definitions impact` preview, if any
    funnel: Funnel | None = None  # the last FUNNEL_WEEKS weeks' funnel and drift


def gather(services: Services, *, as_of: datetime, days: int) -> ReportData:
    since = as_of - timedelta(days=days)
    state = services.state
    data = ReportData(since, as_of)
    for rule, status, count in state.correction_counts(since):
        data.corrections_by_rule[rule] += count if status == "applied" else 0
        data.corrections_by_status[status] += count
    for stage, owner, sla_state in state.clock_states():
        data.sla_by_stage.setdefault(stage, Counter())[sla_state] += 1
        data.sla_by_owner.setdefault(owner or NO_OWNER, Counter())[sla_state] += 1
    dwell: dict[str, list[float]] = defaultdict(list)
    for current, entered_at in state.current_stages():
        if current and entered_at:
            dwell[current].append((as_of - entered_at).total_seconds() / 3600)
    data.dwell_hours = dict(dwell)
    data.owner_names = resolve_owner_names(services, owner_keys(data.sla_by_owner))
    data.findings = state.latest_findings()
    data.impact = next(iter(state.latest_findings("impact").get("impact") or []), None)
    data.funnel = build_funnel(services, FunnelQuery(as_of, (as_of - timedelta(weeks=FUNNEL_WEEKS - 1)).date(),
                                                     PeriodKind.WEEK))
    return data
