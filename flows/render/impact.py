"""`definitions impact` for people: the transition matrix and what would change, as Markdown (terminal, report,
Prefect artifact) and CSV. Works from the stable JSON shape (`Impact.as_dict()`), so the stored summary renders
the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

SHOWN = 25  # affected leads listed in Markdown; `--json` and `--csv` have all of them
NONE, NOT_SEEN = "(none)", "(not seen)"
NONE_MEANS = (f"`{NONE}`: leads the definition places on no stage — the record's stage value is not in the "
              "definition's mapping (quarantined and reported as unmapped, never guessed) or says nothing (empty, "
              "or a value mapped to null), and no entry criteria place it. leadsync writes nothing for them.")
NOT_SEEN_MEANS = (f"`{NOT_SEEN}`: people one definition replays and the other does not (e.g. a changed field "
                  "mapping no longer links their records).")
LEAD_COLUMNS = ("id", "system", "current_stage", "proposed_stage", "renamed", "changes", "written_current",
                "written_proposed", "sla_current", "sla_proposed", "violation_current", "violation_proposed")


def impact_markdown(summary: dict[str, Any], shown: int = SHOWN) -> str:
    lines = [_heading(summary), ""]
    lines += _matrix(summary["transition_matrix"], summary.get("stage_order") or {})
    lines += _legend(summary["transition_matrix"])
    lines += _renames(summary.get("renames") or [])
    lines += ["", "| change | leads |", "|---|---:|"]
    for label, key in (("resolved stage changes (renames excluded)", "stage_changed"),
                       ("any change (renames excluded)", "leads_changed"),
                       ("newly breached SLA", "newly_breached"), ("no longer breached", "no_longer_breached"),
                       ("new definition violations", "new_violations"), ("violations resolved", "resolved_violations")):
        lines.append(f"| {label} | {summary[key]['count']} |")
    lines += _affected(summary.get("affected_leads"), summary["leads_changed"]["count"], shown)
    lines += ["", "| corrections per system | current | proposed |", "|---|---:|---:|"]
    lines += [f"| {system} | {n['old']} | {n['new']} |" for system, n in summary["corrections"].items()]
    creates = summary.get("values_to_create") or {}
    lines += ["", "Stage values provisioning would create: " +
              ("; ".join(f"{s}: {', '.join(v)}" for s, v in creates.items()) if creates else "none")]
    return "\n".join(lines) + "\n"


def _heading(summary: dict[str, Any]) -> str:
    return (f"**{summary.get('old_label', 'current')}** (v{summary['old_version']}) → "
            f"**{summary.get('new_label', 'proposed')}** (v{summary['new_version']}), "
            f"{summary['leads']} leads replayed from {summary.get('source', 'snapshots')}; nothing was written. "
            "Each lead is named by its Salesforce lead id, or its HubSpot id when it has no lead.")


def impact_csv(summary: dict[str, Any]) -> str:
    """Every affected lead, one row each, with the fixed columns of `affected_leads` (lists joined by `;`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEAD_COLUMNS)
    for lead in summary.get("affected_leads") or []:
        writer.writerow([_cell(lead[column]) for column in LEAD_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _matrix(rows: list[dict[str, Any]], order: dict[str, list[str]]) -> list[str]:
    """Leads per (current stage → proposed stage): current stages down, proposed across, both in funnel order."""
    old = _ordered((r["from"] for r in rows), order.get("current", []))
    new = _ordered((r["to"] for r in rows), order.get("proposed", []))
    cell = {(r["from"], r["to"]): r["leads"] for r in rows}
    lines = ["| current ↓ / proposed → | " + " | ".join(new) + " | total |",
             "|---|" + "---:|" * (len(new) + 1)]
    for stage in old:
        counts = [cell.get((stage, target), 0) for target in new]
        lines.append(f"| {stage} | " + " | ".join(str(n) if n else "·" for n in counts) + f" | {sum(counts)} |")
    return lines


def _ordered(stages: Iterable[str], order: list[str]) -> list[str]:
    """The stages present, in the definition's funnel order; stages the order lacks keep the rows' order, last."""
    present = list(dict.fromkeys(stages))
    listed = [stage for stage in order if stage in present]
    return listed + [stage for stage in present if stage not in listed and stage != NOT_SEEN] + \
        ([NOT_SEEN] if NOT_SEEN in present else [])


def _legend(rows: list[dict[str, Any]]) -> list[str]:
    present = {r["from"] for r in rows} | {r["to"] for r in rows}
    notes = ["Stages in funnel order: the ladder by rank, then side stages."]
    notes += [NONE_MEANS] if NONE in present else []
    notes += [NOT_SEEN_MEANS] if NOT_SEEN in present else []
    return ["", *notes]


def _renames(renames: list[dict[str, Any]]) -> list[str]:
    lines = []
    for rename in renames:
        line = f"- {rename['from']} → {rename['to']}: renamed, {rename['leads']} leads, no change in what is written"
        if rename["changed_otherwise"]:
            line += f" ({rename['changed_otherwise']} of them change for other reasons: see the affected leads)"
        lines.append(line)
    return ["", "Stage keys renamed (same rank, criteria and values in both systems):", *lines] if lines else []


def _affected(leads: list[dict[str, Any]] | None, total: int, shown: int) -> list[str]:
    if not leads:
        return []
    lines = ["", "| lead | system | current | proposed | what changes |", "|---|---|---|---|---|"]
    lines += [f"| {lead['id']} | {lead['system']} | {lead['current_stage']} | {lead['proposed_stage']} | "
              f"{_what(lead)} |" for lead in leads[:shown]]
    if total > shown:
        lines += ["", (f"Showing {shown} of {total} affected leads. All of them: add `--json` (key `affected_leads`) "
                       "or `--csv FILE` to `leadsync definitions impact`.")]
    return lines


def _what(lead: dict[str, Any]) -> str:
    said = {
        "stage": "stage",
        "corrections": f"writes {_systems(lead['written_current'])} → {_systems(lead['written_proposed'])}",
        "sla": f"SLA {lead['sla_current'] or 'none'} → {lead['sla_proposed'] or 'none'}",
        "violation": "new violation" if lead["violation_proposed"] else "violation resolved",
    }
    return "; ".join(said[change] for change in lead["changes"])


def _systems(systems: list[str]) -> str:
    return ", ".join(systems) or "nothing"
