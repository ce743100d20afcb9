"""The close-the-loop report for the Sales and Marketing review, as Markdown and as HTML with bar charts."""

from __future__ import annotations

import html
import statistics
from collections import Counter
from typing import Any

from flows.render.funnel import funnel_charts, funnel_sections
from flows.render.plan import markdown_table
from flows.runs.funnel import Funnel
from flows.runs.owner_names import owner_label
from flows.runs.report import ReportData
from flows.runs.services import Services

CHART_WIDTH = 320


def _compliance(counts: Counter[str]) -> str:
    closed = counts["met"] + counts["missed"] + counts["breached"]
    return f"{100 * counts['met'] / closed:.0f}%" if closed else "—"


Section = tuple[str, list[str], list[tuple[Any, ...]]]


def report_sections(services: Services, data: ReportData) -> list[Section]:
    labels = {s.key: s.label for s in services.compiled.definition.stages}
    definition = services.compiled.definition
    order = [s.key for s in definition.ladder] + [s.key for s in definition.stages if s.side]
    findings = data.findings
    return [
        ("Corrections by rule", ["rule", "applied"], list(data.corrections_by_rule.most_common())),
        ("Corrections by outcome", ["outcome", "writes"], list(data.corrections_by_status.most_common())),
        ("SLA compliance by stage", ["stage", "met", "missed", "breached", "open", "compliance"],
         [(labels.get(s, s), c["met"], c["missed"], c["breached"], c["on_track"] + c["at_risk"], _compliance(c))
          for s, c in sorted(data.sla_by_stage.items(), key=lambda i: _pos(order, i[0]))]),
        ("SLA compliance by owner", ["owner", "met", "missed", "breached", "compliance"],
         sorted((owner_label(o, data.owner_names.get(o)), c["met"], c["missed"], c["breached"], _compliance(c))
                for o, c in data.sla_by_owner.items())),
        ("Time in current stage (hours)", ["stage", "leads", "median", "90th percentile"],
         [(labels.get(s, s), len(v), f"{statistics.median(v):.1f}", f"{_p90(v):.1f}")
          for s, v in sorted(data.dwell_hours.items(), key=lambda i: _pos(order, i[0]))]),
        ("Definition violations", ["system", "record", "stage", "failing"],
         [(v["system"], v["record_id"], labels.get(v["stage"], v["stage"]), "; ".join(v["failing"]))
          for v in findings.get("violations", [])]),
        ("Unmapped values", ["system", "field", "value", "records"],
         [(u["system"], u["field"], u["value"], u["count"]) for u in findings.get("unmapped", [])]),
        ("Quarantined values (the records were planned without them)", ["system", "record", "field", "code", "value"],
         [(q["system"], q["record_id"], q["field"], q["code"], q["value"]) for q in findings.get("quarantined", [])]),
        ("Duplicates (never merged: for people to resolve)", ["email", "system", "records"],
         [(d["email"], d["system"], ", ".join(d["record_ids"])) for d in findings.get("duplicates", [])]),
        ("Writes refused or skipped (quarantined: the rest of the batch went on)",
         ["system", "record", "field", "wanted", "code", "message"],
         [(w["system"], w["record_id"], w["field"], w["after"], w["code"], w["message"])
          for w in findings.get("write_failures", [])]),
        *_impact_section(data.impact),
        *_funnel_sections(data.funnel),
    ]


def _funnel_sections(funnel: Funnel | None) -> list[Section]:
    """The funnel and the drift, each table titled as a part of the funnel section."""
    return [(f"Funnel — {title}", headers, rows) for title, headers, rows in funnel_sections(funnel)] if funnel else []


def _impact_section(impact: dict[str, Any] | None) -> list[Section]:
    """The latest `definitions impact` preview: what adopting the proposed definition would change."""
    if not impact:
        return []
    title = (f"Definition impact (latest preview): {impact.get('old_label')} v{impact['old_version']} → "
             f"{impact.get('new_label')} v{impact['new_version']}")
    rows: list[tuple[Any, ...]] = [("leads replayed", impact["leads"])]
    rows += [(label, impact[key]["count"]) for label, key in (
        ("resolved stage changes", "stage_changed"), ("newly breached SLA", "newly_breached"),
        ("no longer breached", "no_longer_breached"), ("new definition violations", "new_violations"))]
    rows += [(f"corrections in {system}", f"{n['old']} → {n['new']}") for system, n in impact["corrections"].items()]
    rows += [(f"{m['from']} → {m['to']}" + (" (renamed key: nothing written changes)" if m.get("renamed") else ""),
              m["leads"]) for m in impact["transition_matrix"] if m["from"] != m["to"]]
    return [(title, ["what would change", "leads"], rows)]


def _title(services: Services, data: ReportData) -> str:
    return f"Lead definition review — {data.since:%Y-%m-%d} to {data.as_of:%Y-%m-%d}"


def render_report_markdown(services: Services, data: ReportData) -> str:
    definition = services.compiled.definition
    parts = [f"# {_title(services, data)}", "", f"Definition {definition.lifecycle.name} v{services.compiled.version}.", ""]
    for title, headers, rows in report_sections(services, data):
        parts += [f"## {title}", "", markdown_table(headers, rows), ""]
    return "\n".join(parts)


def render_report_html(services: Services, data: ReportData) -> str:
    """A self-contained page: SVG bar charts and tables (no scripts, no external assets), every value escaped."""
    charts = [_bar_chart("Applied corrections by rule", data.corrections_by_rule),
              _bar_chart("SLA states", sum(data.sla_by_stage.values(), Counter())),
              funnel_charts(data.funnel) if data.funnel else ""]
    tables = [_table_html(title, headers, rows) for title, headers, rows in report_sections(services, data)]
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2rem .5rem}svg{margin:1rem 0}")
    title = html.escape(_title(services, data))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title><style>{style}</style>"
            f"</head><body><h1>{title}</h1>{''.join(charts)}{''.join(tables)}</body></html>\n")


def _table_html(title: str, headers: list[str], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body or '<tr><td>none</td></tr>'}</table>"


def _pos(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _bar_chart(title: str, counts: Counter[str]) -> str:
    if not counts:
        return f"<h2>{html.escape(title)}</h2><p>No data.</p>"
    top = max(counts.values()) or 1  # every count zero (e.g. only dry runs so far): bars of no width
    rows = counts.most_common()
    bars = "".join(
        f"<text x='0' y='{22 * i + 16}' font-size='12'>{html.escape(label)}</text>"
        f"<rect x='170' y='{22 * i + 4}' width='{CHART_WIDTH * value / top:.0f}' height='16' fill='#4a8'/>"
        f"<text x='{175 + CHART_WIDTH * value / top:.0f}' y='{22 * i + 16}' font-size='12'>{value}</text>"
        for i, (label, value) in enumerate(rows)
    )
    return f"<h2>{html.escape(title)}</h2><svg width='{CHART_WIDTH + 230}' height='{22 * len(rows) + 10}' role='img'>{bars}</svg>"
