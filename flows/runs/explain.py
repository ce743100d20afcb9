"""`leadsync explain`: one lead's story from current data (a handful of batched reads) and the state store.

The lead is found by Salesforce id, HubSpot id or email; its partner in the other system, its stage history
and activities are read exactly as a sync reads them, and the same engine decides its stage. Owners are shown by
name, from the state store's cache or one batched read per system.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from connectors.ports import RawRecord
from flows.runs.batches import RunMemory, plan_batch, record_email, unique_records
from flows.runs.owner_names import resolve_owner_names
from flows.runs.services import CRM, MA, Services, system_of_id
from mapping.convert import normalize_email
from mapping.errors import LeadsyncError
from mapping.explain import Story, tell, tell_duplicate
from mapping.guards import hold_back
from mapping.match import DuplicateFinding, LeadPair
from mapping.plan import SkipReason, decide, default_forward_only


class LeadNotFoundError(LeadsyncError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"no lead {identifier!r} in Salesforce or HubSpot (by Salesforce id, HubSpot id or email)")


def explain_lead(services: Services, identifier: str, as_of: datetime) -> Story:
    identifier = identifier.strip()
    driver, page = _find(services, identifier)
    if not page:
        raise LeadNotFoundError(identifier)
    if "@" not in identifier:  # found by id: its namesakes in the same system would make it a duplicate
        page = unique_records(services, driver, [*page, *_same_email(services, driver, page)])
    batch = plan_batch(services, driver, page, as_of, RunMemory(), keep_snapshots=False)
    finding = _duplicate_of(batch.duplicates, identifier)
    if finding is not None:
        keys = [lead.key for lead in batch.leads]
        return tell_duplicate(identifier, finding, batch.leads, services.compiled, as_of,
                              audit=services.state.lead_history(keys))
    pair = _pair_of(batch.pairs, identifier)
    if pair is None:
        raise LeadNotFoundError(identifier)
    decision = decide(pair, services.compiled, default_forward_only(services.compiled))
    primary = pair.primary
    keys = [lead.key for lead in (pair.crm, pair.ma) if lead is not None]
    sla = next((e for e in batch.plan.sla if (e.system, e.record_id) == primary.key), None)
    clocks = services.state.clock_rows([primary.key])
    duplicates = [d for d in batch.duplicates if pair.email and d.email == pair.email]
    # The SLA clock's owner is one of these records' owners (the CRM's, else HubSpot's), so it is named too.
    owners = [(lead.system, owner) for lead in (pair.crm, pair.ma)
              if lead is not None and isinstance(owner := lead.fields.get("owner_id"), str)]
    holds = services.state.holds(keys, services.compiled.version)
    if holds:  # what a sync would really do: a held record's corrections are skipped
        kept, skipped = hold_back(decision.corrections, holds, SkipReason.REVERTED)
        decision = replace(decision, corrections=tuple(kept), skipped=(*decision.skipped, *skipped))
    return tell(identifier, decision, services.compiled, as_of, sla=sla, audit=services.state.lead_history(keys),
                clock=clocks[0] if clocks else None, duplicates=duplicates,
                owner_names=resolve_owner_names(services, owners),
                held=[{"system": system, "record_id": record_id, "reverted_run": hold.run_id, "since": hold.held_at}
                      for (system, record_id), hold in sorted(holds.items())])


def _find(services: Services, identifier: str) -> tuple[str, list[RawRecord]]:
    """The system to start from and the matching records: one batched read per system at most."""
    if "@" in identifier:
        email, valid, _ = normalize_email(identifier)
        email = email if valid and email else identifier.lower()  # an invalid address is still what the record holds
        found = services.systems[CRM].source.find_by_emails([email])
        if found:
            return CRM, found
        return MA, services.systems[MA].source.find_by_emails([email])
    system = system_of_id(identifier)
    if system is None:
        return CRM, []
    return system, services.systems[system].source.read_records([identifier])


def _same_email(services: Services, system: str, page: list[RawRecord]) -> list[RawRecord]:
    emails = sorted({email for record in page if (email := record_email(services, system, record))})
    return services.systems[system].source.find_by_emails(emails) if emails else []


def _duplicate_of(duplicates: list[DuplicateFinding], identifier: str) -> DuplicateFinding | None:
    wanted = identifier.lower()
    for finding in duplicates:
        ids = {i.lower() for i in (*finding.record_ids, *finding.other_ids)}
        if wanted == finding.email or wanted in ids or wanted in {i[:15] for i in ids}:
            return finding
    return None


def _pair_of(pairs: list[LeadPair], identifier: str) -> LeadPair | None:
    wanted = identifier.lower()
    for pair in pairs:
        for lead in (pair.crm, pair.ma):
            if lead is not None and (lead.record_id.lower() == wanted or lead.record_id[:15].lower() == wanted
                                     or (lead.email or "").lower() == wanted):
                return pair
    return pairs[0] if len(pairs) == 1 else None
