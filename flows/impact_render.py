"""`definitions impact` for people: the transition matrix and what would change, as Markdown (terminal, report,
Prefect artifact). Works from the stable JSON shape (`Impact.as_dict()`), so the stored summary renders the same."""

from __future__ import annotations

from typing import Any


def impact_markdown(summary: dict[str, Any]) -> str:
    lines = [f"**{summary.get('old_label', 'current')}** (v{summary['old_version']}) → "
             f"**{summary.get('new_label', 'proposed')}** (v{summary['new_version']}), "
             f"{summary['leads']} leads replayed from {summary.get('source', 'snapshots')}; nothing was written.", ""]
    lines += _matrix(summary["transition_matrix"])
    lines += ["", "| change | leads | sample |", "|---|---:|---|"]
    for label, key in (("resolved stage changes", "stage_changed"), ("any change", "leads_changed"),
                       ("newly breached SLA", "newly_breached"), ("no longer breached", "no_longer_breached"),
                       ("new definition violations", "new_violations"), ("violations resolved", "resolved_violations")):
        part = summary[key]
        lines.append(f"| {label} | {part['count']} | {', '.join(part['sample'][:5])} |")
    lines += ["", "| corrections per system | current | proposed |", "|---|---:|---:|"]
    lines += [f"| {system} | {n['old']} | {n['new']} |" for system, n in summary["corrections"].items()]
    creates = summary.get("values_to_create") or {}
    lines += ["", "Stage values provisioning would create: " +
              ("; ".join(f"{s}: {', '.join(v)}" for s, v in creates.items()) if creates else "none")]
    return "\n".join(lines) + "\n"


def _matrix(rows: list[dict[str, Any]]) -> list[str]:
    """Leads per (current stage → proposed stage): current stages down, proposed across."""
    old = sorted({r["from"] for r in rows})
    new = sorted({r["to"] for r in rows})
    cell = {(r["from"], r["to"]): r["leads"] for r in rows}
    lines = ["| current ↓ / proposed → | " + " | ".join(new) + " | total |",
             "|---|" + "---:|" * (len(new) + 1)]
    for stage in old:
        counts = [cell.get((stage, target), 0) for target in new]
        lines.append(f"| {stage} | " + " | ".join(str(n) if n else "·" for n in counts) + f" | {sum(counts)} |")
    return lines
