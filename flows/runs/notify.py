"""Breach notifications: the message people read, sent through a `Notifier` (apprise in production)."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.ports import Notifier
from flows.runs.owner_names import owner_label
from flows.runs.sync import RunReport
from mapping.sla import SlaEntry

LISTED = 20  # breaches named one by one; the report lists them all


def notify_breaches(report: RunReport, notifier: Notifier) -> bool:
    """Send one message listing new breaches; False when nothing was sent (no breaches, or nowhere to send)."""
    if not report.flagged:
        return False
    lines = [breach_line(e, report.owner_names) for e in report.flagged[:LISTED]]
    if report.new_breaches > LISTED:  # `flagged` holds only the first of them
        lines.append(f"… and {report.new_breaches - LISTED} more (leadsync report lists them all)")
    return notifier.send(f"leadsync: {report.new_breaches} new SLA breach(es)", "\n".join(lines))


def breach_line(entry: SlaEntry, owner_names: Mapping[str, str]) -> str:
    """One breach as a person reads it: the record, its stage, when, and its owner by name (the id beside it)."""
    owner = f", owner {owner_label(entry.owner_id, owner_names.get(entry.owner_id))}" if entry.owner_id else ""
    return f"{entry.system} {entry.record_id} ({entry.stage}) breached at {entry.breached_at:%Y-%m-%d %H:%M} UTC{owner}"
