"""HubSpot's published API limits per subscription tier, for private apps (hubspot.md §7.1, peers.md).

Burst is per app per rolling 10 seconds, daily per account. Search keeps its own 5 requests/second per account on
every tier (hubspot.md §3), so it is not part of a tier.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    name: str
    per_10s: int
    daily: int


TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("free", 100, 250_000),
        Tier("starter", 100, 250_000),
        Tier("professional", 190, 625_000),
        Tier("enterprise", 190, 1_000_000),
    )
}
DEFAULT_TIER = "professional"


def tier_of(name: str) -> Tier:
    """Tier `name` (any case); ValueError for an unknown one."""
    tier = TIERS.get(name.lower())
    if tier is None:
        raise ValueError(f"unknown HubSpot tier {name!r}: one of {sorted(TIERS)}")
    return tier
