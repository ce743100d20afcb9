"""The funnel's owner names: the state store's cached names whatever their age (the funnel reads the store and needs
no credentials), and one batched lookup per system only for ids never cached, when the services have the system's
connector. An id nobody named is shown as the id; `OwnerNames.unnamed` says that some were never looked up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.errors import ConnectorError
from flows.runs.owner_names import OwnerKey
from flows.runs.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OwnerNames:
    names: dict[str, str]  # by owner id; ids nobody named are left out (show the id)
    unnamed: bool = False  # some ids were never cached and could not be looked up (no connector, or it failed)


def funnel_owner_names(services: Services, keys: Iterable[OwnerKey], now: datetime | None = None) -> OwnerNames:
    wanted: dict[str, set[str]] = {}
    for system, owner_id in keys:
        wanted.setdefault(system, set()).add(owner_id)
    known: dict[str, str | None] = {}
    unnamed = False
    for system, ids in sorted(wanted.items()):
        cached = services.state.owner_names(system, sorted(ids))
        known |= {owner_id: entry.name for owner_id, entry in cached.items()}
        missing = sorted(ids - cached.keys())
        if missing:
            found = _look_up(services, system, missing, now or datetime.now(UTC))
            unnamed |= found is None
            known |= found or {}
    return OwnerNames({owner_id: name for owner_id, name in known.items() if name}, unnamed)


def _look_up(services: Services, system: str, ids: list[str], now: datetime) -> dict[str, str | None] | None:
    """One batched read of names never cached, cached as read (misses too); None without the system's connector
    (the services of a store-only funnel have none) or when the read fails."""
    ports = services.systems.get(system)
    if ports is None or ports.owners is None:
        return None
    try:
        found = ports.owners.read_owner_names(ids)
    except ConnectorError as exc:
        log.warning("owner names from %s unavailable, showing ids: %s", system, exc)
        return None
    fetched = {owner_id: found.get(owner_id) for owner_id in ids}
    services.state.save_owner_names(system, fetched, now)
    return fetched
