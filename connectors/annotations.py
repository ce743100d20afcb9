"""Annotation fields (a reason, an SLA due time) ride along with stage writes only where the system has them."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)
Extras = Sequence[tuple[str, str | None]]


def writable_extras(extras: Extras, described: Mapping[str, Mapping[str, Any]], missing: list[str],
                    where: str) -> list[tuple[str, str | None]]:
    """The extras whose field exists and is updateable; the others are dropped and reported once in `missing`.

    One unknown field fails a whole Salesforce record (INVALID_FIELD) or a whole HubSpot batch
    (PROPERTY_DOESNT_EXIST), so a missing annotation must never reach the wire.
    """
    kept: list[tuple[str, str | None]] = []
    for name, value in extras:
        if described.get(name, {}).get("updateable"):
            kept.append((name, value))
        elif name not in missing:
            missing.append(name)
            log.warning("%s %s is missing or read-only: leadsync does not write it (create it, or remove it from "
                        "the mapping's annotations)", where, name)
    return kept
