"""A full run's join path (DESIGN §8 "Full runs are joins, not lookups").

Both systems are pulled whole into the state store (Salesforce by REST or Bulk 2.0, HubSpot through its list
endpoint) with the stage evidence of every lead, page by page; then the window's records are replayed from the store
in the order and pages an incremental run pulls them, and each page's partners and evidence are found by batched SQL
instead of API calls. Same pages, same lookups' answers: the same plan, at a fraction of the calls, with memory
bounded by a page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.ports import PulledRecord, PulledRecords, RawRecord, StageEvidence, TimeWindow
from flows.runs.batches import ApiLookups
from flows.runs.services import CRM, MA, Services
from mapping.convert import epoch_ms, epoch_ms_ceil, fast_datetime

REPLAY_PAGE = {CRM: 2_000, MA: 200}  # an incremental pull's pages (Salesforce REST, HubSpot search)
TICK_MS = {CRM: 1_000, MA: 1}  # the precision a window is asked at: SOQL literals are whole seconds
MODIFIED = {CRM: "SystemModstamp", MA: "lastmodifieddate"}
MISSING = -1  # a record without a modification stamp is in no window
EPOCH, ONE_MS = datetime(1970, 1, 1, tzinfo=UTC), timedelta(milliseconds=1)
# What a lookup at the API would see: every record, whenever modified (a partner may be older or newer than a window).
EVERYTHING = TimeWindow(datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC))


def can_join(services: Services) -> bool:
    """Both systems can be pulled whole (a connector, or a fake, that offers it)."""
    return all(services.systems[system].whole is not None for system in (CRM, MA))


@dataclass
class PulledLookups:
    """Partners and evidence from the run's whole pulls in the state store (batched SQL, no API call)."""

    services: Services
    run_id: str
    evidence_pulled: bool

    def read_records(self, system: str, record_ids: Sequence[str]) -> list[RawRecord]:
        return self.services.state.pulled(self.run_id, system, record_ids)

    def find_by_emails(self, system: str, emails: Sequence[str]) -> list[RawRecord]:
        keys = sorted({key for e in emails if (key := email_key(system, e))})
        return self.services.state.pulled_by_email(self.run_id, system, keys)

    def read_evidence(self, crm_ids: Sequence[str]) -> StageEvidence:
        if not self.evidence_pulled:
            return ApiLookups(self.services).read_evidence(crm_ids)
        return self.services.state.pulled_evidence(self.run_id, crm_ids) if crm_ids else StageEvidence()


@dataclass
class PlannedInStore:
    """A full run's planned records, marked on its pulled rows: its memory does not grow with the org."""

    state: PulledRecords
    run_id: str

    def among(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        return self.state.planned_of(self.run_id, list(keys))

    def add(self, keys: Iterable[tuple[str, str]]) -> None:
        self.state.mark_planned(self.run_id, list(keys))


def pull_whole(services: Services, run_id: str) -> PulledLookups:
    """Keep both systems, and the stage evidence of every lead where the CRM offers it whole, for the run.

    HubSpot's pull runs in a thread beside Salesforce's: it is paced by HubSpot's rate limit, so it mostly waits, and
    the Salesforce pages and evidence are kept in that time instead of after it.
    """
    state = services.state
    state.drop_orphaned()  # what a run killed mid-plan left behind
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-hubspot") as pool:
        hubspot = pool.submit(_keep_whole, services, run_id, MA, stop)
        try:
            _keep_whole(services, run_id, CRM, stop)
            evidence = services.systems[CRM].whole_evidence
            if evidence is not None:
                for found in evidence.iter_all_evidence():
                    state.keep_pulled_evidence(run_id, found)
        except BaseException:
            stop.set()  # HubSpot's pull stops at its next page; its own failure, if any, is not the one to report
            raise
        hubspot.result()
    return PulledLookups(services, run_id, evidence is not None)


def _keep_whole(services: Services, run_id: str, system: str, stop: threading.Event) -> None:
    whole = services.systems[system].whole
    assert whole is not None, "can_join said both systems pull whole"
    for page in whole.iter_whole(EVERYTHING):
        services.state.keep_pulled(run_id, [pulled_record(services, system, record) for record in page])
        if stop.is_set():
            return


def replay_pages(services: Services, run_id: str, system: str, window: TimeWindow) -> Iterator[list[RawRecord]]:
    """The window's records from the run's pulls, in (modified, id) order and pages as an incremental pull."""
    span = window_span_ms(system, window)
    after: tuple[int, str] | None = None
    while page := services.state.pulled_page(run_id, system, span, after, REPLAY_PAGE[system]):
        yield [record.record for record in page]
        after = (page[-1].modified_ms, page[-1].order_id)


def pulled_record(services: Services, system: str, record: RawRecord) -> PulledRecord:
    values = record if system == CRM else (record.get("properties") or {})
    record_id = str(record.get("Id") if system == CRM else record.get("id"))
    email_field = services.compiled.systems[system].mapping.fields.get("email")
    raw_email = values.get(email_field) if email_field else None
    return PulledRecord(system, record_id, _modified_ms(values.get(MODIFIED[system])), _order_id(system, record_id),
                        email_key(system, raw_email) if isinstance(raw_email, str) else None, record)


def email_key(system: str, email: str) -> str | None:
    """An email as the system compares it in a lookup: both ignore case; SOQL's `Email IN (…)` keeps surrounding
    spaces, HubSpot's lookup by the email property does not."""
    key = email.lower() if system == CRM else email.strip().lower()
    return key or None


def window_span_ms(system: str, window: TimeWindow) -> tuple[int, int]:
    """[start, end) in epoch ms as the system is asked: the start rounded down to its tick, the end up."""
    tick = TICK_MS[system]
    start, end = epoch_ms(window.start), epoch_ms_ceil(window.end)
    return start - start % tick, -(-end // tick) * tick


def _modified_ms(value: object) -> int:
    parsed = fast_datetime(value)[0]  # always aware: `epoch_ms` by plain (exact) integer arithmetic, once per record
    return (parsed - EPOCH) // ONE_MS if parsed is not None else MISSING


def _order_id(system: str, record_id: str) -> str:
    """HubSpot pages one instant by object id as a number; Salesforce by Id as text."""
    return record_id.zfill(20) if system == MA and record_id.isdigit() else record_id
