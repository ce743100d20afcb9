"""Pair HubSpot contacts with Salesforce leads: an explicit link first, then the normalized email.

Several Salesforce leads sharing one email is a *duplicate* finding: reported, never merged, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mapping.convert import salesforce_id18
from mapping.records import CanonicalLead


class LinkKind(StrEnum):
    EXPLICIT = "explicit"  # HubSpot carries the Salesforce lead id (salesforceleadid)
    KNOWN = "known"  # the state store linked them on an earlier run
    EMAIL = "email"  # the normalized email is the same and unique on both sides
    NONE = "none"  # found in one system only


@dataclass(frozen=True, slots=True)
class LeadPair:
    crm: CanonicalLead | None
    ma: CanonicalLead | None
    link: LinkKind

    @property
    def email(self) -> str | None:
        return (self.crm.email if self.crm else None) or (self.ma.email if self.ma else None)

    @property
    def primary(self) -> CanonicalLead:
        """The record that stands for the person: the CRM lead, else the MA contact (matching never pairs nothing)."""
        lead = self.crm or self.ma
        if lead is None:
            raise ValueError("a lead pair holds no record")
        return lead


@dataclass(frozen=True, slots=True)
class DuplicateFinding:
    """One email shared by several records of a system; none of them is corrected until people resolve it."""

    email: str
    system: str
    record_ids: tuple[str, ...]
    other_ids: tuple[str, ...]  # records in the other system carrying the same email

    def as_dict(self) -> dict[str, Any]:
        """The finding as the plan, the run's findings and a lead's story show it (JSON-ready)."""
        return {"email": self.email, "system": self.system, "record_ids": list(self.record_ids),
                "other_ids": list(self.other_ids)}


@dataclass(frozen=True, slots=True)
class MatchResult:
    pairs: list[LeadPair]
    duplicates: list[DuplicateFinding]


def match_identities(
    crm_leads: Iterable[CanonicalLead],
    ma_leads: Iterable[CanonicalLead],
    known_links: Mapping[str, str] | None = None,
) -> MatchResult:
    """Pair records; `known_links` maps HubSpot ids to Salesforce ids linked on earlier runs."""
    crm_by_id = {lead.record_id: lead for lead in crm_leads}
    ma_list = list(ma_leads)
    known = known_links or {}
    crm_by_email: dict[str, list[str]] = defaultdict(list)
    for lead in crm_by_id.values():
        if lead.email:
            crm_by_email[lead.email].append(lead.record_id)
    ma_by_email: dict[str, list[str]] = defaultdict(list)
    for lead in ma_list:
        if lead.email:
            ma_by_email[lead.email].append(lead.record_id)

    duplicates = _duplicates(crm_by_email, ma_by_email)
    other = {"salesforce": "hubspot", "hubspot": "salesforce"}
    blocked = {(d.system, rid) for d in duplicates for rid in d.record_ids}
    blocked |= {(other[d.system], rid) for d in duplicates for rid in d.other_ids}
    blocked_emails = {d.email for d in duplicates}
    pairs: list[LeadPair] = []
    claimed: set[str] = set()
    for ma in ma_list:
        crm, link = _partner(ma, crm_by_id, crm_by_email, known, blocked_emails)
        if crm is not None and (crm.record_id in claimed or ("salesforce", crm.record_id) in blocked):
            crm, link = None, LinkKind.NONE
        if crm is not None:
            claimed.add(crm.record_id)
        if ("hubspot", ma.record_id) in blocked:
            continue
        pairs.append(LeadPair(crm, ma, link))
    for crm in crm_by_id.values():
        if crm.record_id not in claimed and ("salesforce", crm.record_id) not in blocked:
            pairs.append(LeadPair(crm, None, LinkKind.NONE))
    return MatchResult(pairs, duplicates)


def _partner(
    ma: CanonicalLead,
    crm_by_id: Mapping[str, CanonicalLead],
    crm_by_email: Mapping[str, list[str]],
    known: Mapping[str, str],
    blocked_emails: set[str],
) -> tuple[CanonicalLead | None, LinkKind]:
    explicit = ma.fields.get("crm_lead_id")
    explicit = salesforce_id18(explicit.strip()) if isinstance(explicit, str) else None  # people paste 15-char ids
    if explicit and explicit in crm_by_id:
        return crm_by_id[explicit], LinkKind.EXPLICIT
    linked = known.get(ma.record_id)
    if linked and linked in crm_by_id:
        return crm_by_id[linked], LinkKind.KNOWN
    if ma.email and ma.email not in blocked_emails and len(crm_by_email.get(ma.email, ())) == 1:
        return crm_by_id[crm_by_email[ma.email][0]], LinkKind.EMAIL
    return None, LinkKind.NONE


def _duplicates(
    crm_by_email: Mapping[str, list[str]], ma_by_email: Mapping[str, list[str]]
) -> list[DuplicateFinding]:
    found = [
        DuplicateFinding(email, "salesforce", tuple(sorted(ids)), tuple(sorted(ma_by_email.get(email, ()))))
        for email, ids in crm_by_email.items()
        if len(ids) > 1
    ]
    found += [
        DuplicateFinding(email, "hubspot", tuple(sorted(ids)), tuple(sorted(crm_by_email.get(email, ()))))
        for email, ids in ma_by_email.items()
        if len(ids) > 1
    ]
    return sorted(found, key=lambda d: (d.email, d.system))

