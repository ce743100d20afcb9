"""The funnel and the drift as tables (Markdown, HTML) and as SVG charts beside them: no scripts, every value escaped."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from flows.render.plan import markdown_table
from flows.runs.funnel import Funnel
from flows.runs.owner_names import owner_label
from mapping.funnel_counts import LEFT
from mapping.funnel_stats import OPEN, SYSTEMS

Section = tuple[str, list[str], list[tuple[Any, ...]]]
NONE_LABEL = "(none)"
SYSTEM_NAMES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}
COLORS = ("#2b6cb0", "#38a169", "#d69e2e", "#805ad5", "#dd6b20", "#319795", "#b83280", "#718096", "#e53e3e", "#a0aec0")
BAR = 18
WIDTH = 360
UNNAMED_NOTE = ("Owner names were not looked up (no Salesforce and HubSpot credentials configured, or the lookup "
                "failed): owners without a name in the state store are shown by id.")


def funnel_sections(funnel: Funnel) -> list[Section]:
    """Every table of the funnel and the drift, in reading order."""
    return [_entered(funnel), _at_end(funnel), _cohorts(funnel), _velocity(funnel), _sla(funnel), _drift(funnel),
            _drift_totals(funnel), _reasons(funnel)]


def render_funnel_markdown(funnel: Funnel) -> str:
    parts = [f"# {_title(funnel)}", "", *([UNNAMED_NOTE, ""] if funnel.unnamed_owners else [])]
    for title, headers, rows in funnel_sections(funnel):
        parts += [f"## {title}", "", markdown_table(headers, rows) if rows else "none", ""]
    return "\n".join(parts)


def funnel_charts(funnel: Funnel) -> str:
    """The funnel, conversion by cohort and the drift bars, as inline SVG (the tables carry the numbers)."""
    return _funnel_chart(funnel) + _cohort_chart(funnel) + _drift_chart(funnel)


def _title(funnel: Funnel) -> str:
    first, last = funnel.periods[0], funnel.periods[-1]
    by = "" if funnel.query.by == "none" else f", by {funnel.query.by}"
    return f"Funnel by {funnel.query.period.value}, {first.label} to {last.label}{by}"


def _stages(funnel: Funnel) -> list[str]:
    return [*funnel.codes.ladder, *funnel.codes.side]


def _label(funnel: Funnel, stage: str | None) -> str:
    return funnel.labels.get(stage, stage) if stage else NONE_LABEL


def _group(funnel: Funnel, group: str | None) -> str:
    if group is None:
        return NONE_LABEL
    return owner_label(group, funnel.owner_names.get(group)) if funnel.query.by == "owner" else group


def _grid(funnel: Funnel, cells: dict[tuple[int, str | None, str | None], int]) -> list[tuple[Any, ...]]:
    """One row per period (and group), one column per stage."""
    keys = sorted({(period, group) for period, _, group in cells}, key=lambda k: (k[0], k[1] or ""))
    return [(funnel.periods[period].label, *([_group(funnel, group)] if funnel.query.by != "none" else []),
             *(cells.get((period, stage, group), 0) for stage in _stages(funnel))) for period, group in keys]


def _headers(funnel: Funnel, *first: str) -> list[str]:
    return [*first, *([funnel.query.by] if funnel.query.by != "none" else [])]


def _entered(funnel: Funnel) -> Section:
    return ("People entering each stage (each person once per stage and period, across both systems)",
            [*_headers(funnel, "period"), *(_label(funnel, s) for s in _stages(funnel))], _grid(funnel, funnel.tables.entered))


def _at_end(funnel: Funnel) -> Section:
    return ("People at each stage at the end of the period (by the definition)",
            [*_headers(funnel, "period"), *(_label(funnel, s) for s in _stages(funnel))], _grid(funnel, funnel.tables.at_end))


def _cohorts(funnel: Funnel) -> Section:
    until = funnel.periods[-1].end
    ladder, side = funnel.codes.ladder[1:], funnel.codes.side
    rows = [(funnel.periods[c.period].label, _label(funnel, c.stage),
             *([_group(funnel, c.group)] if funnel.query.by != "none" else []), c.entered,
             *(_share(c.reached.get(s)) for s in ladder), *(_share(c.side.get(s)) for s in side), _share(c.open))
            for c in funnel.tables.cohorts]
    headers = [*_headers(funnel, "cohort", "entered stage"), "people", *(f"reached {_label(funnel, s)}" for s in ladder),
               *(f"→ {_label(funnel, s)}" for s in side), "still open"]
    return ((f"Cohort conversion: of those entering a stage in the period, the share reaching each later stage by "
            f"{until:%Y-%m-%d %H:%M} UTC, the share gone to a side stage without climbing, and the share still open"),
            headers, rows)


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _velocity(funnel: Funnel) -> Section:
    rows = [(f"{_label(funnel, a)} → {_label(funnel, b)}", *([_group(funnel, g)] if funnel.query.by != "none" else []),
             n, f"{p50 / 3600:.1f}", f"{p90 / 3600:.1f}") for a, b, g, n, p50, p90 in funnel.tables.velocity]
    return ("Velocity: business hours between consecutive stages (the definition's calendar)",
            [*_headers(funnel, "step"), "people", "median", "90th percentile"], rows)


def _sla(funnel: Funnel) -> Section:
    rows = [(funnel.periods[r.period].label, _label(funnel, r.stage), owner_label(r.owner, funnel.owner_names.get(r.owner))
             if r.owner else NONE_LABEL, r.states.get("met", 0), r.states.get("missed", 0), r.states.get("breached", 0),
             r.states.get(LEFT, 0), r.states.get("on_track", 0) + r.states.get("at_risk", 0),
             "—" if r.compliance is None else f"{r.compliance:.0%}") for r in funnel.tables.sla]
    return (("SLA compliance trend (clocks by the period they started in, a lead's earlier clocks included; "
             "left: the lead moved on before the due time with no work logged)"),
            ["period", "stage", "owner", "met", "missed", "breached", "left", "open", "compliance"], rows)


def _drift(funnel: Funnel) -> Section:
    rows = [(funnel.periods[d.period].label, _label(funnel, d.stage), *(d.systems[s] for s in SYSTEMS), d.definition,
             *(_signed(d.systems[s] - d.definition) for s in SYSTEMS))
            for d in funnel.tables.drift if d.definition or any(d.systems.values())]
    return (("Drift: each system's count at period end (its own stage mapped through the definition) beside the "
            "definition's"), ["period", "stage", *(SYSTEM_NAMES[s] for s in SYSTEMS), "by the definition",
                             *(f"{SYSTEM_NAMES[s]} − definition" for s in SYSTEMS)], rows)


def _drift_totals(funnel: Funnel) -> Section:
    rows = [(funnel.periods[i].label, *(t[s] for s in SYSTEMS), t["definition"]) for i, t in enumerate(funnel.drift_totals)]
    return ("Drift totals: records each system holds, people by the definition",
            ["period", *(f"{SYSTEM_NAMES[s]} records" for s in SYSTEMS), "people"], rows)


def _reasons(funnel: Funnel) -> Section:
    rows = [(funnel.periods[r.period].label, SYSTEM_NAMES.get(r.system, r.system), _label(funnel, r.stage),
             r.reason.replace("_", " "), r.records) for r in funnel.tables.reasons]
    return (("Why they differ: records whose own stage is not the definition's at period end, by the reason seen "
             "then (unknown: before leadsync first saw the record)"),
            ["period", "system", "system's stage", "reason", "records"], rows)


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def _svg(title: str, height: int, body: str, legend: list[tuple[str, str]] | None = None) -> str:
    keys = "".join(f"<rect x='{170 + 120 * i}' y='{height - 14}' width='10' height='10' fill='{color}'/>"
                   f"<text x='{184 + 120 * i}' y='{height - 5}' font-size='11'>{html.escape(name)}</text>"
                   for i, (name, color) in enumerate(legend or []))
    return (f"<h2>{html.escape(title)}</h2><svg width='{WIDTH + 260}' height='{height}' role='img' "
            f"aria-label='{html.escape(title)}'>{body}{keys}</svg>")


def _funnel_chart(funnel: Funnel) -> str:
    totals = Counter[str]()
    for (_, stage, _), n in funnel.tables.entered.items():
        if stage in funnel.codes.ladder:
            totals[stage] += n
    if not totals:
        return "<h2>Funnel</h2><p>No one entered a stage in the range.</p>"
    top = max(totals.values())
    bars = ""
    for i, stage in enumerate(funnel.codes.ladder):
        width = WIDTH * totals[stage] / top
        bars += (f"<text x='0' y='{26 * i + 17}' font-size='12'>{html.escape(_label(funnel, stage))}</text>"
                 f"<rect x='{170 + (WIDTH - width) / 2:.0f}' y='{26 * i + 4}' width='{width:.0f}' height='{BAR}' "
                 f"fill='{COLORS[i % len(COLORS)]}'/><text x='{175 + WIDTH}' y='{26 * i + 17}' font-size='12'>"
                 f"{totals[stage]}</text>")
    return _svg("Funnel: people entering each stage over the range", 26 * len(funnel.codes.ladder) + 8, bars)


def _cohort_chart(funnel: Funnel) -> str:
    """Conversion by cohort for the stage with the largest cohorts (that has a later stage): one 100% bar a period."""
    sizes = Counter[str]()
    for c in funnel.tables.cohorts:
        if c.stage != funnel.codes.ladder[-1]:
            sizes[c.stage] += c.entered
    if not sizes:
        return "<h2>Conversion by cohort</h2><p>No cohorts in the range.</p>"
    stage = sizes.most_common(1)[0][0]
    outcomes = [*funnel.codes.ladder, *funnel.codes.side, OPEN]
    colors = {o: COLORS[i % len(COLORS)] for i, o in enumerate(outcomes)}
    by_period: dict[int, Counter[str]] = {}
    for c in funnel.tables.cohorts:
        if c.stage == stage:
            by_period.setdefault(c.period, Counter()).update(c.outcomes)
    bars = ""
    for row, (period, counts) in enumerate(sorted(by_period.items())):
        total, x = sum(counts.values()), 170.0
        bars += f"<text x='0' y='{24 * row + 16}' font-size='12'>{html.escape(funnel.periods[period].label)}</text>"
        for outcome in outcomes:
            width = WIDTH * counts[outcome] / total
            if width:
                bars += (f"<rect x='{x:.1f}' y='{24 * row + 3}' width='{width:.1f}' height='{BAR}' fill='{colors[outcome]}'>"
                         f"<title>{html.escape(_outcome(funnel, outcome))}: {counts[outcome]}</title></rect>")
            x += width
        bars += f"<text x='{175 + WIDTH}' y='{24 * row + 16}' font-size='12'>{total}</text>"
    seen = [o for o in outcomes if any(c[o] for c in by_period.values())]
    return _svg(f"Conversion by cohort: where those entering {_label(funnel, stage)} went", 24 * len(by_period) + 24, bars,
                [(_outcome(funnel, o), colors[o]) for o in seen])


def _outcome(funnel: Funnel, outcome: str) -> str:
    return "still open" if outcome == OPEN else _label(funnel, outcome)


def _drift_chart(funnel: Funnel) -> str:
    """The last period's count per stage in each system and by the definition, side by side."""
    last = len(funnel.periods) - 1
    rows = [d for d in funnel.tables.drift if d.period == last and (d.definition or any(d.systems.values()))]
    if not rows:
        return "<h2>Drift</h2><p>No records in the range.</p>"
    series = [*((SYSTEM_NAMES[s], s) for s in SYSTEMS), ("by the definition", "definition")]
    top = max(max(d.definition, *d.systems.values()) for d in rows) or 1
    bars, step = "", 3 * (BAR - 6) + 10
    for row, d in enumerate(rows):
        y = step * row
        bars += f"<text x='0' y='{y + 16}' font-size='12'>{html.escape(_label(funnel, d.stage))}</text>"
        for i, (_, key) in enumerate(series):
            value = d.definition if key == "definition" else d.systems[key]
            bars += (f"<rect x='170' y='{y + 2 + i * (BAR - 6)}' width='{WIDTH * value / top:.0f}' height='{BAR - 7}' "
                     f"fill='{COLORS[i]}'/><text x='{175 + WIDTH * value / top:.0f}' y='{y + 11 + i * (BAR - 6)}' "
                     f"font-size='10'>{value}</text>")
    return _svg(f"Drift at the end of {funnel.periods[last].label}: each system's count beside the definition's",
                step * len(rows) + 24, bars, [(name, COLORS[i]) for i, (name, _) in enumerate(series)])
