"""Optional breach notifications through apprise URLs from LEADSYNC_NOTIFY_URLS (space- or comma-separated)."""

from __future__ import annotations

import os
import re

from flows.sync_run import RunReport


def notify_urls() -> list[str]:
    return [url for url in re.split(r"[\s,]+", os.environ.get("LEADSYNC_NOTIFY_URLS", "")) if url]


def notify_breaches(report: RunReport) -> bool:
    """Send one message listing new breaches; False when nothing was sent (no URLs, no breaches)."""
    urls = notify_urls()
    breaches = [e for e in report.sla if e.state.value == "breached"]
    if not urls or report.new_breaches == 0:
        return False
    import apprise

    sender = apprise.Apprise()
    for url in urls:
        sender.add(url)
    lines = [f"{e.system} {e.record_id} ({e.stage}) breached at {e.breached_at:%Y-%m-%d %H:%M} UTC" for e in breaches[:20]]
    return bool(sender.notify(title=f"leadsync: {report.new_breaches} new SLA breach(es)", body="\n".join(lines)))
