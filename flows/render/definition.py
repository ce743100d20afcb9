"""The definition as a publishable document: normalized JSON, Markdown and HTML (`leadsync definitions render`)."""

from __future__ import annotations

import html
from typing import Any

from mapping.definition.models import WEEKDAYS, Definition, Stage, SystemMapping
from mapping.definition.wording import describe_criteria, describe_duration

_SYSTEM_TITLES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


def definition_document(definition: Definition) -> dict[str, Any]:
    """The normalized definition for machines: stages, ranks, owners, SLA seconds, calendar, system values."""
    return {
        "name": definition.lifecycle.name,
        "version": definition.version,
        "fingerprint": definition.fingerprint,
        "converted_stage": definition.lifecycle.converted_stage,
        "stages": [_stage_document(stage) for stage in _publish_order(definition)],
        "calendar": _calendar_document(definition),
        "systems": {name: _system_document(mapping, definition) for name, mapping in definition.systems.items()},
    }


def _publish_order(definition: Definition) -> list[Stage]:
    return definition.ladder + [s for s in definition.stages if s.side]


def _stage_document(stage: Stage) -> dict[str, Any]:
    sla = stage.sla
    return {
        "key": stage.key,
        "label": stage.label,
        "definition": stage.definition,
        "owner": stage.owner.value,
        "rank": stage.rank,
        "side": stage.side,
        "reenter_at": stage.reenter_at,
        "from": list(stage.allowed_from),
        "criteria": describe_criteria(stage.criteria),
        "criteria_rules": stage.criteria.model_dump(mode="json") if stage.criteria else None,
        "sla": None
        if sla is None
        else {
            "budget_seconds": int(sla.budget.total_seconds()),
            "warn_at": sla.warn_at,
            "warn_after_seconds": int(sla.budget.total_seconds() * sla.warn_at),
            "worked_by": [e.value for e in sla.worked_by],
            "notify": sla.notify,
        },
    }


def _calendar_document(definition: Definition) -> dict[str, Any]:
    calendar = definition.calendar
    return {
        "timezone": calendar.timezone,
        "working_hours": {
            day: [f"{start:%H:%M}-{end:%H:%M}" for start, end in calendar.working_hours.get(day, [])]
            for day in WEEKDAYS
        },
        "holidays": calendar.holidays.model_dump(mode="json"),
    }


def _system_document(mapping: SystemMapping, definition: Definition) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    for stage in _publish_order(definition):
        reads = [
            {"field": f.field, "value": raw} for f in mapping.stage_fields for raw, key in f.read.items() if key == stage.key
        ]
        stages[stage.key] = {"read": reads, "write": mapping.write_values(stage.key)}
    ignored = [{"field": f.field, "value": raw} for f in mapping.stage_fields for raw, key in f.read.items() if key is None]
    return {
        "object": mapping.object,
        "writes_enabled": mapping.writes_enabled,
        "stage_fields": [f.field for f in mapping.stage_fields],
        "stages": stages,
        "no_stage_values": ignored,
        "fields": dict(mapping.fields),
        "lock": mapping.lock.model_dump(mode="json") if mapping.lock else None,
    }


def render_markdown(definition: Definition) -> str:
    doc = definition_document(definition)
    lines = [f"# {doc['name']}", "", (f"Version {doc['version']}. Converted leads count as at least "
             f"**{definition.stage(definition.lifecycle.converted_stage).label}**."), ""]
    for stage in doc["stages"]:
        lines += _stage_markdown(stage, doc["systems"])
    lines += _calendar_markdown(doc["calendar"])
    return "\n".join(lines).rstrip() + "\n"


def _stage_markdown(stage: dict[str, Any], systems: dict[str, Any]) -> list[str]:
    place = f"rank {stage['rank']}" if not stage["side"] else f"side stage, re-enters at {stage['reenter_at']}"
    lines = [f"## {stage['label']} (`{stage['key']}`)", "", f"> {stage['definition']}", "",
             f"- **Owner:** {stage['owner']} · **Place:** {place}"]
    criteria = stage["criteria"]
    lines.append("- **Entry criteria:** " + ("; ".join(criteria) if criteria else "none beyond the stage itself"))
    sla = stage["sla"]
    if sla:
        budget = describe_duration(sla["budget_seconds"])
        warn = describe_duration(sla["warn_after_seconds"])
        lines.append(f"- **SLA:** worked within {budget} of business time (at risk after {warn}); "
                     f"worked = {', '.join(sla['worked_by'])}")
    for name, system in systems.items():
        values = system["stages"][stage["key"]]
        read = ", ".join(f"`{r['value']}`" for r in values["read"]) or "—"
        write = ", ".join(f"{k} = `{v}`" for k, v in (values["write"] or {}).items()) or "never written"
        lines.append(f"- **{_SYSTEM_TITLES.get(name, name)}:** read from {read}; writes {write}")
    return [*lines, ""]


def _calendar_markdown(calendar: dict[str, Any]) -> list[str]:
    hours = "; ".join(f"{day} {', '.join(ranges)}" for day, ranges in calendar["working_hours"].items() if ranges)
    holidays = calendar["holidays"]
    country = holidays["country"] or "no country"
    if holidays["subdivision"]:
        country += f"-{holidays['subdivision']}"
    extra = ", ".join(holidays["dates"]) or "none"
    return ["## Business calendar", "", f"- **Time zone:** {calendar['timezone']}", f"- **Working hours:** {hours}",
            f"- **Holidays:** public holidays of {country}; also {extra}", ""]


def render_html(definition: Definition) -> str:
    """A self-contained HTML page of the definition, every value escaped."""
    body = _markdown_to_html(render_markdown(definition))
    title = html.escape(definition.lifecycle.name)
    style = ("body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5}"
             "blockquote{margin:0;padding:.25rem 1rem;border-left:4px solid #5a7;background:#f4faf6}"
             "code{background:#eee;padding:0 .2rem}")
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{style}</style></head>\n<body>\n{body}</body></html>\n")


def _markdown_to_html(markdown: str) -> str:
    """The small Markdown subset `render_markdown` emits: headings, quotes, bullets, bold and code spans."""
    out: list[str] = []
    in_list = False
    for line in markdown.splitlines():
        if line.startswith("- ") and not in_list:
            out.append("<ul>")
            in_list = True
        elif not line.startswith("- ") and in_list:
            out.append("</ul>")
            in_list = False
        out.append(_html_line(line))
    if in_list:
        out.append("</ul>")
    return "\n".join(part for part in out if part) + "\n"


def _html_line(line: str) -> str:
    if line.startswith("## "):
        return f"<h2>{_inline(line[3:])}</h2>"
    if line.startswith("# "):
        return f"<h1>{_inline(line[2:])}</h1>"
    if line.startswith("> "):
        return f"<blockquote>{_inline(line[2:])}</blockquote>"
    if line.startswith("- "):
        return f"<li>{_inline(line[2:])}</li>"
    return f"<p>{_inline(line)}</p>" if line else ""


def _inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = _wrap_pairs(escaped, "**", "strong")
    return _wrap_pairs(escaped, "`", "code")


def _wrap_pairs(text: str, marker: str, tag: str) -> str:
    parts = text.split(marker)
    if len(parts) % 2 == 0:
        return text
    return "".join(part if index % 2 == 0 else f"<{tag}>{part}</{tag}>" for index, part in enumerate(parts))
