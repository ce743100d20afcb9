"""Optional breach notifications through apprise URLs from LEADSYNC_NOTIFY_URLS (space- or comma-separated)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from flows.runs.owner_names import owner_label
from flows.runs.sync import RunReport
from mapping.sla import SlaEntry


def notify_urls() -> list[str]:
    return [url for url in re.split(r"[\s,]+", os.environ.get("LEADSYNC_NOTIFY_URLS", "")) if url]


def notify_breaches(report: RunReport) -> bool:
    """Send one message listing new breaches; False when nothing was sent (no URLs, no breaches)."""
    urls = notify_urls()
    if not urls or not report.flagged:
        return False
    import apprise

    sender = apprise.Apprise()
    for url in urls:
        sender.add(url)
    lines = [breach_line(e, report.owner_names) for e in report.flagged[:20]]
    if len(report.flagged) > 20:
        lines.append(f"… and {len(report.flagged) - 20} more (leadsync report lists them all)")
    return bool(sender.notify(title=f"leadsync: {len(report.flagged)} new SLA breach(es)", body="\n".join(lines)))


def breach_line(entry: SlaEntry, owner_names: Mapping[str, str]) -> str:
    """One breach as a person reads it: the record, its stage, when, and its owner by name (the id beside it)."""
    owner = f", owner {owner_label(entry.owner_id, owner_names.get(entry.owner_id))}" if entry.owner_id else ""
    return f"{entry.system} {entry.record_id} ({entry.stage}) breached at {entry.breached_at:%Y-%m-%d %H:%M} UTC{owner}"
