"""Plan one page of changed records: fetch partners in the other system, normalize, match, resolve, plan.

Every lookup is batched (read by ids, find by emails, evidence by ids) and goes through `Lookups`: the systems' APIs
on an incremental run, the run's whole pulls in the state store on a full run (`flows.runs.join`). Nothing here writes
to the systems; a sync keeps each page's rows itself (`flows.runs.page_writes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from connectors.ports import RawRecord, Snapshot, StageEvidence
from flows.runs.services import CRM, MA, Services
from mapping.convert import normalize_email, salesforce_id18
from mapping.definition.compiled import CompiledDefinition
from mapping.match import DuplicateFinding, LeadPair, LinkKind, match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import Plan, plan_pairs
from mapping.quarantine import Quarantine
from mapping.records import CanonicalLead
from mapping.sla import Observed

Key = tuple[str, str]


@dataclass
class BatchResult:
    pairs: list[LeadPair]
    plan: Plan
    duplicates: list[DuplicateFinding]
    records_seen: int
    snapshots: list[Snapshot] = field(default_factory=list)  # the raw records and evidence the plan rests on
    leads: list[CanonicalLead] = field(default_factory=list)  # every record read, duplicates (never paired) too


class Lookups(Protocol):
    """Where a page's partners and evidence are found."""

    def read_records(self, system: str, record_ids: Sequence[str]) -> list[RawRecord]: ...

    def find_by_emails(self, system: str, emails: Sequence[str]) -> list[RawRecord]:
        """Records of `system` whose email is one of `emails` (normalized), compared as the system compares them."""
        ...

    def read_evidence(self, crm_ids: Sequence[str]) -> StageEvidence: ...


class ApiLookups:
    """Lookups at the systems' APIs, batched: an incremental run's small windows."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def read_records(self, system: str, record_ids: Sequence[str]) -> list[RawRecord]:
        return self.services.systems[system].source.read_records(record_ids)

    def find_by_emails(self, system: str, emails: Sequence[str]) -> list[RawRecord]:
        return self.services.systems[system].source.find_by_emails(emails)

    def read_evidence(self, crm_ids: Sequence[str]) -> StageEvidence:
        reader = self.services.systems[CRM].evidence
        return reader.read_evidence(crm_ids) if reader is not None and crm_ids else StageEvidence()


@dataclass
class RunMemory:
    """What a run remembers across batches: the records already planned, and the quarantine."""

    processed: PlannedKeys = field(default_factory=lambda: PlannedInMemory())
    quarantine: Quarantine = field(default_factory=Quarantine)


class PlannedKeys(Protocol):
    """The (system, record_id) records a run has planned (a record is planned once, as itself or as a partner)."""

    def among(self, keys: Iterable[Key]) -> set[Key]: ...

    def add(self, keys: Iterable[Key]) -> None: ...


@dataclass
class PlannedInMemory:
    """An incremental run's: its windows are small."""

    keys: set[Key] = field(default_factory=set)

    def among(self, keys: Iterable[Key]) -> set[Key]:
        return {key for key in keys if key in self.keys}

    def add(self, keys: Iterable[Key]) -> None:
        self.keys.update(keys)


def reads_alike(one: CompiledDefinition, other: CompiledDefinition) -> bool:
    """Both definitions normalize any record to the same lead (same system views and stage ranks)."""
    return one.systems == other.systems and one.ranks == other.ranks


@dataclass
class PairedPage:
    """One page's records and its partners in the other system, normalized and paired: what planning starts from.

    It depends on the definition only through how records are read, so definitions that read alike share it."""

    crm_raw: list[RawRecord]
    ma_raw: list[RawRecord]
    evidence: StageEvidence
    leads: list[CanonicalLead]  # every record read, duplicates (never paired) too
    pairs: list[LeadPair]  # the pairs this run has not planned yet
    duplicates: list[DuplicateFinding]


def plan_batch(services: Services, driver: str, page: Sequence[RawRecord], as_of: datetime, memory: RunMemory,
               lookups: Lookups | None = None, *, keep_snapshots: bool = True) -> BatchResult:
    """One page planned; with `keep_snapshots` (a sync's), the raw records and evidence it rests on come along."""
    paired = pair_page(services, driver, page, memory, lookups)
    if paired is None:
        return BatchResult([], Plan(services.compiled.version, as_of), [], 0)
    plan = plan_paired(services, paired.pairs, as_of)
    snapshots = _snapshots(services, CRM, paired.crm_raw, paired.evidence) + \
        _snapshots(services, MA, paired.ma_raw, StageEvidence()) if keep_snapshots else []
    return BatchResult(paired.pairs, plan, paired.duplicates, len(paired.leads), snapshots, paired.leads)


def pair_page(services: Services, driver: str, page: Sequence[RawRecord], memory: RunMemory,
              lookups: Lookups | None = None) -> PairedPage | None:
    """The page's records not yet planned this run, with their partners, normalized and paired (None: nothing left).
    The pairs are marked planned in `memory`."""
    # Records already planned this run (as partners of the other system's pages) need no second lookup.
    done = memory.processed.among([(driver, _record_id(driver, r)) for r in page])
    page = [r for r in page if (driver, _record_id(driver, r)) not in done]
    if not page:
        return None
    found = lookups or ApiLookups(services)
    crm_raw, ma_raw = (list(page), _partners(services, found, CRM, page)) if driver == CRM else \
        (_partners(services, found, MA, page), list(page))
    evidence = found.read_evidence([str(r.get("Id")) for r in crm_raw])
    crm = [_normalize_crm(services, record, evidence) for record in crm_raw]
    ma = [normalize_hubspot(record, services.compiled) for record in ma_raw]
    done = memory.processed.among([lead.key for lead in [*crm, *ma]])
    memory.quarantine.add(lead for lead in [*crm, *ma] if lead.key not in done)
    known = services.state.links_for_hubspot([lead.record_id for lead in ma])
    match = match_identities(crm, ma, known)
    pairs = [kept for pair in match.pairs if (kept := _unplanned(pair, done)) is not None]
    memory.processed.add([lead.key for pair in pairs for lead in (pair.crm, pair.ma) if lead is not None])
    return PairedPage(crm_raw, ma_raw, evidence, [*crm, *ma], pairs, match.duplicates)


def plan_paired(services: Services, pairs: Sequence[LeadPair], as_of: datetime,
                observed: Mapping[Key, Observed] | None = None) -> Plan:
    """The pairs planned under `services`' definition; `observed` (when each lead was first seen) is read unless given."""
    if observed is None:
        observed = services.state.first_observed([pair.primary.key for pair in pairs])
    return plan_pairs(pairs, services.compiled, as_of, sla=services.sla, first_observed=observed)


def _snapshots(services: Services, system: str, records: Sequence[RawRecord], evidence: StageEvidence) -> list[Snapshot]:
    made = []
    for record in records:
        record_id = _record_id(system, record)
        made.append(Snapshot(system, record_id, record_email(services, system, record), record,
                             list(evidence.history.get(record_id, ())), list(evidence.activities.get(record_id, ()))))
    return made


def _record_id(system: str, record: RawRecord) -> str:
    return str(record.get("Id") if system == CRM else record.get("id"))


def _unplanned(pair: LeadPair, processed: set[Key]) -> LeadPair | None:
    """The part of `pair` this run has not planned yet. A contact whose lead an earlier page already planned alone
    (linked only by its own `crm_lead_id`, which the lead's page cannot see) is planned on its own, not dropped."""
    crm_done = pair.crm is not None and pair.crm.key in processed
    ma_done = pair.ma is not None and pair.ma.key in processed
    if crm_done and pair.ma is not None and not ma_done:
        return LeadPair(None, pair.ma, LinkKind.NONE)
    return None if crm_done or ma_done else pair


def _partners(services: Services, lookups: Lookups, driver: str, page: Sequence[RawRecord]) -> list[RawRecord]:
    """Records of the other system belonging to the same people: by link first, then by email."""
    other = MA if driver == CRM else CRM
    ids = _linked_ids(services, driver, page)
    found = lookups.read_records(other, sorted(ids)) if ids else []
    found_emails = {record_email(services, other, r) for r in found}
    emails = sorted({e for r in page if (e := record_email(services, driver, r)) and e not in found_emails})
    if emails:
        found += lookups.find_by_emails(other, emails)
    return unique_records(services, other, found)


def _linked_ids(services: Services, driver: str, page: Sequence[RawRecord]) -> set[str]:
    if driver == CRM:
        links = services.state.links_for_salesforce([str(r.get("Id")) for r in page])
        return set(links.values())
    link_field = services.compiled.systems[MA].mapping.fields.get("crm_lead_id")
    explicit = {salesforce_id18(str(v).strip()) for r in page
                if link_field and (v := (r.get("properties") or {}).get(link_field))}
    known = services.state.links_for_hubspot([str(r.get("id")) for r in page])
    return explicit | set(known.values())


def record_email(services: Services, system: str, record: RawRecord) -> str | None:
    raw_field = services.compiled.systems[system].mapping.fields.get("email")
    values = record if system == CRM else (record.get("properties") or {})
    email, valid, _ = normalize_email(values.get(raw_field)) if raw_field else (None, False, None)
    return email if valid else None


def unique_records(services: Services, system: str, records: Iterable[RawRecord]) -> list[RawRecord]:
    by_id: dict[str, RawRecord] = {}
    for record in records:
        by_id.setdefault(str(record.get("Id") if system == CRM else record.get("id")), record)
    return list(by_id.values())


def _normalize_crm(services: Services, record: RawRecord, evidence: StageEvidence) -> CanonicalLead:
    record_id = str(record.get("Id"))
    return normalize_salesforce(
        record,
        services.compiled,
        history=evidence.history.get(record_id, ()),
        activities=evidence.activities.get(record_id, ()),
    )
