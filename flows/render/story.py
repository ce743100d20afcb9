"""One lead's story (`leadsync explain`) as a readable timeline."""

from __future__ import annotations

from typing import Any

from flows.runs.owner_names import owner_label


def render_story(story: dict[str, Any]) -> str:
    resolved = story["resolved"]
    lines = [f"Lead {story['identifier']} — as of {story['as_of']} (definition v{story['definition_version']})", ""]
    for record in story["records"]:
        values = ", ".join(f"{k}={v}" for k, v in record["stage_values"].items() if v)
        facts = _facts(record["fields"])
        flags = "".join([" [converted]" if record["converted"] else "", " [locked]" if record["locked"] else ""])
        lines.append(f"  {record['system']:<10} {record['record_id']}: {record['stage_label'] or record['stage']}"
                     f" ({values}){flags}")
        lines.append(f"  {'':<10} {facts}")
    lines += ["", f"Decided stage: {resolved['label'] or resolved['stage']}  — rule {resolved['rule']}",
              f"  {resolved['reason']}"]
    lines += [f"  evidence: {e['source']} says {e['stage']}" + (f" since {e['at']}" if e["at"] else "")
              + (f" ({e['detail']})" if e["detail"] else "") for e in resolved["evidence"]]
    lines += _notes(story)
    lines += ["", "Timeline:"]
    lines += [f"  {e['at'] or '(undated)':<27} {e['source']:<10} {e['what']}" for e in story["timeline"]]
    return "\n".join(lines)


def _facts(fields: dict[str, Any]) -> str:
    """`key=value` pairs; the owner as `owner=Name (id)`, or its id when nobody could name it."""
    shown = []
    for key, value in fields.items():
        if key == "owner_id":
            shown.append(f"owner={owner_label(value, fields.get('owner_name'))}")
        elif key != "owner_name":
            shown.append(f"{key}={value}")
    return ", ".join(shown)


def _notes(story: dict[str, Any]) -> list[str]:
    notes = [f"  would write {c['system']} {c['field']}: {c['before']!r} → {c['after']!r}"
             for c in story["planned_corrections"]]
    notes += [f"  skipped in {s['system']}: {s['reason']}" for s in story["skipped"]]
    notes += [f"  VIOLATION in {v['system']} {v['record_id']} of {v['stage']}: fails {'; '.join(v['failing'])}"
              for v in story["violations"]]
    sla = story["sla"]
    if sla:
        notes.append(f"  SLA {sla['stage']}: {sla['state']}; started {sla['started_at']}"
                     f"{' (estimated)' if sla['started_estimated'] else ''}, due {sla['due_at']}"
                     + (f", breached {sla['breached_at']}" if sla["breached_at"] else "")
                     + (f"; owner {owner_label(sla['owner_id'], sla.get('owner_name'))}" if sla["owner_id"] else ""))
    notes += [f"  DUPLICATE: {d['email']} on {', '.join(d['record_ids'])} in {d['system']} (never merged)"
              for d in story["duplicates"]]
    if story["locked"]:
        notes.append("  LOCKED: excluded from automatic correction")
    notes += [f"  HELD: {h['system']} {h['record_id']} was put back by a revert of run {h['reverted_run']} on "
              f"{h['since']}; automatic correction leaves it alone until the definition changes or "
              f"`leadsync release {h['record_id']}`" for h in story.get("held", [])]
    return notes
