"""Owner names where people read them: the state store's cache first, then one batched read per system.

Ids stay the key everywhere; a name is shown beside its id. An id no system can name (a deleted user, a queue, one
this integration may not see) is shown as the id, and a lookup that fails never fails the run that asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from connectors.errors import ConnectorError
from flows.runs.services import Services, system_of_id
from flows.runs.sync import RunReport

NAME_TTL = timedelta(days=1)  # a cached name (or a miss) older than this is looked up again
OwnerKey = tuple[str, str]  # (system, owner id)

log = logging.getLogger(__name__)


def owner_keys(owner_ids: Iterable[str | None]) -> list[OwnerKey]:
    """(system, id) of each owner id whose system its shape tells: SLA clocks keep the id, not its system."""
    keys = []
    for owner_id in dict.fromkeys(owner_ids):
        system = system_of_id(owner_id) if owner_id else None
        if owner_id and system is not None:
            keys.append((system, owner_id))
    return keys


def resolve_owner_names(services: Services, keys: Iterable[OwnerKey], now: datetime | None = None) -> dict[str, str]:
    """Names by owner id for `keys`; ids nobody could name are left out (show the id)."""
    now = now or datetime.now(UTC)
    wanted: dict[str, list[str]] = {}
    for system, owner_id in keys:
        ports = services.systems.get(system)
        if ports is not None and ports.owners is not None:
            wanted.setdefault(system, []).append(owner_id)
    names: dict[str, str] = {}
    for system, ids in wanted.items():
        names |= _names_in(services, system, sorted(set(ids)), now)
    return names


def _names_in(services: Services, system: str, ids: list[str], now: datetime) -> dict[str, str]:
    """Cached names younger than NAME_TTL as they are; one batched read for the rest, whose answer is cached (misses
    too, so an unknown id costs one lookup a day). When that read fails, the stale names stand in."""
    directory = services.systems[system].owners
    assert directory is not None
    cached = services.state.owner_names(system, ids)
    known = {owner_id: entry.name for owner_id, entry in cached.items()}
    missing = [i for i in ids if i not in cached or now - cached[i].fetched_at >= NAME_TTL]
    if missing:
        try:
            found = directory.read_owner_names(missing)
        except ConnectorError as exc:
            log.warning("owner names from %s unavailable, showing ids: %s", system, exc)
        else:
            fetched = {owner_id: found.get(owner_id) for owner_id in missing}
            services.state.save_owner_names(system, fetched, now)
            known |= fetched
    return {owner_id: name for owner_id, name in known.items() if name}


def name_report_owners(services: Services, report: RunReport) -> None:
    """Name the owners of a run's SLA clocks (for its JSON, its notification)."""
    report.owner_names = resolve_owner_names(services, owner_keys(report.tally.owner_ids))


def owner_label(owner_id: str, name: str | None) -> str:
    """`Name (id)` when the name is known, else the id."""
    return f"{name} ({owner_id})" if name else owner_id
