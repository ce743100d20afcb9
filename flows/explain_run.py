"""`leadsync explain`: one lead's story from current data (a handful of batched reads) and the state store.

The lead is found by Salesforce id, HubSpot id or email; its partner in the other system, its stage history
and activities are read exactly as a sync reads them, and the same engine decides its stage. Owners are shown by
name, from the state store's cache or one batched read per system.
"""

from __future__ import annotations

from datetime import datetime

from connectors.ports import RawRecord
from flows.batches import RunMemory, plan_batch
from flows.owner_names import resolve_owner_names
from flows.services import CRM, MA, Services, system_of_id
from mapping.convert import normalize_email
from mapping.errors import LeadsyncError
from mapping.explain import Story, tell
from mapping.match import LeadPair
from mapping.plan import decide, default_forward_only


class LeadNotFoundError(LeadsyncError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"no lead {identifier!r} in Salesforce or HubSpot (by Salesforce id, HubSpot id or email)")


def explain_lead(services: Services, identifier: str, as_of: datetime) -> Story:
    identifier = identifier.strip()
    driver, page = _find(services, identifier)
    if not page:
        raise LeadNotFoundError(identifier)
    batch = plan_batch(services, driver, page, as_of, RunMemory())
    pair = _pair_of(batch.pairs, identifier)
    if pair is None:
        raise LeadNotFoundError(identifier)
    decision = decide(pair, services.compiled, default_forward_only(services.compiled))
    primary = pair.crm or pair.ma
    assert primary is not None
    keys = [lead.key for lead in (pair.crm, pair.ma) if lead is not None]
    sla = next((e for e in batch.plan.sla if (e.system, e.record_id) == primary.key), None)
    clocks = services.state.clock_rows([primary.key])
    duplicates = [d for d in batch.duplicates if pair.email and d.email == pair.email]
    # The SLA clock's owner is one of these records' owners (the CRM's, else HubSpot's), so it is named too.
    owners = [(lead.system, owner) for lead in (pair.crm, pair.ma)
              if lead is not None and isinstance(owner := lead.fields.get("owner_id"), str)]
    return tell(identifier, decision, services.compiled, as_of, sla=sla, audit=services.state.lead_history(keys),
                clock=clocks[0] if clocks else None, duplicates=duplicates,
                owner_names=resolve_owner_names(services, owners))


def _find(services: Services, identifier: str) -> tuple[str, list[RawRecord]]:
    """The system to start from and the matching records: one batched read per system at most."""
    if "@" in identifier:
        email, valid, _ = normalize_email(identifier)
        if not valid or email is None:
            return CRM, []
        found = services.systems[CRM].source.find_by_emails([email])
        if found:
            return CRM, found
        return MA, services.systems[MA].source.find_by_emails([email])
    system = system_of_id(identifier)
    if system is None:
        return CRM, []
    return system, services.systems[system].source.read_records([identifier])


def _pair_of(pairs: list[LeadPair], identifier: str) -> LeadPair | None:
    wanted = identifier.lower()
    for pair in pairs:
        for lead in (pair.crm, pair.ma):
            if lead is not None and (lead.record_id.lower() == wanted or lead.record_id[:15].lower() == wanted
                                     or (lead.email or "").lower() == wanted):
                return pair
    return pairs[0] if len(pairs) == 1 else None
