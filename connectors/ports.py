"""The ports: small Protocols each connector implements (Salesforce, HubSpot, and the in-memory fakes).

Every signature is batch- or stream-shaped, so a per-record API call cannot be written by accident.
Raw records travel as the vendor returns them; `mapping.normalize` turns them into canonical leads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import SecretStr

from mapping.funnel import FunnelPage
from mapping.funnel_counts import CohortCount, ReasonCount, SlaCount, SpanCount, VelocityCount
from mapping.funnel_periods import PeriodGrid
from mapping.plan import Correction, Skipped
from mapping.sla import Observed, SlaEntry
from mapping.stage_diff import PicklistValue, StageDiff

RawRecord = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """[start, end) on the system's modification timestamp (UTC). A window never ends before it starts."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"a time window must not end ({self.end.isoformat()}) before it starts "
                             f"({self.start.isoformat()})")


OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"  # the code of records whose write got no answer: read back before resending


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What happened to one record of a batch write; failures carry the vendor's code and message."""

    record_id: str
    ok: bool
    code: str | None = None
    message: str | None = None
    transient: bool = False
    status: str | None = None  # audit status when not plainly applied/failed: "held" (already there), "stale"


@dataclass(frozen=True, slots=True)
class StageEvidence:
    """Stage history and logged work for a set of leads, keyed by record id."""

    history: Mapping[str, list[RawRecord]] = field(default_factory=dict)
    activities: Mapping[str, list[RawRecord]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A record as last pulled, with its stage evidence: what `definitions impact` replays, offline."""

    system: str
    record_id: str
    email: str | None
    record: RawRecord
    history: list[RawRecord] = field(default_factory=list)
    activities: list[RawRecord] = field(default_factory=list)


class LeadSource(Protocol):
    """Pulls changed records of one system, page by page (never the whole window in memory)."""

    system: str

    def count_changed(self, window: TimeWindow) -> int: ...

    def iter_changed(self, window: TimeWindow) -> Iterator[list[RawRecord]]: ...

    def read_records(self, record_ids: Sequence[str]) -> list[RawRecord]: ...

    def find_by_emails(self, emails: Sequence[str]) -> list[RawRecord]:
        """Records whose email is one of `emails` (normalized), in batched calls: finds a changed lead's partner."""
        ...


class WholeSource(Protocol):
    """Pulls one system whole for a full run's join path: every record modified in `window`, pages in no promised
    order, through the cheapest endpoint (Salesforce REST or Bulk 2.0; HubSpot's list endpoint, not search)."""

    def iter_whole(self, window: TimeWindow) -> Iterator[list[RawRecord]]: ...


class WholeEvidence(Protocol):
    """Stage history and logged work of every lead, pulled whole in pages (not by ids): a full run's evidence."""

    def iter_all_evidence(self) -> Iterator[StageEvidence]:
        """Pages of evidence rows grouped by record id; one record's rows may span pages."""
        ...


class EvidenceSource(Protocol):
    """Reads stage history and work evidence for many records in batched queries."""

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence: ...


class StageWriter(Protocol):
    """Applies stage corrections in batches and reads back what the system now holds."""

    system: str

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]: ...

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]: ...


class PicklistAdmin(Protocol):
    """Reads and extends the list of stage values a field accepts (whole-list updates keep every value)."""

    def read_picklist(self, field: str) -> list[PicklistValue]: ...

    def add_picklist_values(self, diff: StageDiff) -> WriteOutcome: ...


class OwnerDirectory(Protocol):
    """Reads the names people know owners by (Salesforce Users, HubSpot owners), many ids per call."""

    system: str

    def read_owner_names(self, owner_ids: Sequence[str]) -> dict[str, str]:
        """Names of those of `owner_ids` the system knows, by id; ids it does not know (a deleted user, one this
        integration may not see) are left out, so the caller shows the id."""
        ...


class SlaFlagWriter(Protocol):
    """Writes SLA breach flags (fields and/or owner tasks) and clears them when a lead is worked."""

    def write_sla_flags(self, entries: Sequence[SlaEntry], clear: Sequence[str]) -> list[WriteOutcome]: ...


@dataclass(frozen=True, slots=True)
class SlaTransitions:
    """What changed in the SLA clocks: breaches to flag (once) and flags to clear (the lead was worked)."""

    new_breaches: list[SlaEntry] = field(default_factory=list)
    cleared: list[tuple[str, str]] = field(default_factory=list)  # (system, record_id)
    changed: int = 0  # clocks whose state changed


@dataclass(frozen=True, slots=True)
class CachedOwnerName:
    """An owner's name as the state store keeps it; `name` None means the system did not know the id when asked."""

    name: str | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Hold:
    """A record a revert put back: automatic correction leaves it alone while the definition version is this one."""

    run_id: str  # the reverted run
    held_at: datetime
    definition_version: str


class RunLog(Protocol):
    """Runs as they start and finish, and what each found (for `leadsync runs` and the report)."""

    def start_run(self, kind: str, parameters: Mapping[str, Any]) -> str: ...

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, int]) -> None: ...

    def list_runs(self, limit: int) -> list[dict[str, Any]]: ...

    def save_findings(self, run_id: str, findings: Mapping[str, list[dict[str, Any]]]) -> None:
        """Violations, unmapped values and duplicates a run found (capped lists, for the report)."""
        ...

    def latest_findings(self, kind: str | None = None) -> dict[str, list[dict[str, Any]]]: ...


class Locks(Protocol):
    """One run of a kind at a time, across workers and processes."""

    def lock(self, kind: str, holder: str, ttl: timedelta) -> AbstractContextManager[None]: ...


class Observations(Protocol):
    """What the last windows saw: each system's watermark, the identity links, and each record's stage since when."""

    def watermark(self, system: str) -> datetime | None: ...

    def links_for_hubspot(self, hubspot_ids: Sequence[str]) -> dict[str, str]: ...

    def links_for_salesforce(self, salesforce_ids: Sequence[str]) -> dict[str, str]: ...

    def first_observed(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Observed]:
        """Per record: the stage leadsync last saw it in (or moved it into) and since when (see `mapping.sla`)."""
        ...

    def record_observations(self, pairs: Sequence[Any], watermarks: Mapping[str, datetime],
                            observed_at: datetime | None = None) -> None:
        """Lead stages, identity links and watermarks of a finished window, in one transaction.

        `observed_at` is the run's instant (its as-of): a record first seen in a stage without a recorded entry
        is dated by it, so the next run reports the SLA start this one did (default: the wall clock).
        """
        ...

    def current_stages(self) -> list[tuple[str | None, datetime | None]]:
        """(stage, entered or first observed) of every lead record leadsync has seen."""
        ...


class Audit(Protocol):
    """Every planned, sent and settled correction: written before a batch goes out, read by revert, explain, report."""

    def record_planned(self, run_id: str, corrections: Sequence[Correction], skipped: Sequence[Skipped], status: str) -> None:
        """Audit rows for a plan: corrections with `status` (planned or blocked) and the skipped records."""
        ...

    def record_intents(self, run_id: str, corrections: Sequence[Correction]) -> None:
        """Pending rows, committed before the batch is sent."""
        ...

    def record_outcomes(self, run_id: str, results: Sequence[tuple[Correction, WriteOutcome]],
                        verified: set[tuple[str, str, int]]) -> None: ...

    def pending_intents(self, system: str) -> list[tuple[str, Correction]]: ...

    def settle_intents(self, items: Sequence[tuple[str, Correction, bool]]) -> None: ...

    def recent_corrections(self, keys: Sequence[tuple[str, str]], since: datetime) -> dict[tuple[str, str], list[datetime]]: ...

    def applied_changes(self, run_id: str) -> list[Correction]:
        """The corrections a run applied (and nobody reverted yet)."""
        ...

    def mark_reverted(self, run_id: str, fields: Sequence[tuple[str, str, str]]) -> None: ...

    def lead_history(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Every audit row of these records (planned, written, skipped), oldest first."""
        ...

    def correction_counts(self, since: datetime) -> list[tuple[str, str, int]]:
        """(rule, status, writes) of audit rows since `since`."""
        ...

    def list_audit(self, status: str, limit: int) -> list[dict[str, Any]]:
        """The last `limit` rows with `status` (the demo shows the applied ones)."""
        ...


class SlaClocks(Protocol):
    """One SLA clock per lead record, and which breaches are flagged in the systems."""

    def upsert_sla(self, entries: Sequence[SlaEntry], as_of: datetime) -> SlaTransitions: ...

    def mark_flags(self, flagged: Sequence[tuple[str, str, str]], cleared: Sequence[tuple[str, str]], at: datetime) -> None: ...

    def open_clocks(self) -> list[tuple[str, str]]:
        """(system, record_id) of every SLA clock still running or breached (not met, missed or closed)."""
        ...

    def clock_rows(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]: ...

    def clock_states(self) -> list[tuple[str, str | None, str]]:
        """(stage, owner, state) of every SLA clock."""
        ...


class SnapshotStore(Protocol):
    """The last pulled copy of each record with its evidence: what `definitions impact` replays, offline."""

    def save_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        """Keep the last pulled copy of each record (upsert), for offline replays."""
        ...

    def snapshot_page(self, system: str, after: str | None, size: int) -> list[Snapshot]: ...

    def snapshot_ids(self, system: str, after: str | None, size: int) -> list[str]:
        """The record ids `snapshot_page` would answer, without reading the snapshots."""
        ...

    def snapshot_cuts(self, system: str, parts: int, page: int, at_least: int = 1) -> list[str]:
        """Record ids that cut the system's snapshots, in record id order, into up to `parts` ranges (no more than one
        per `at_least` snapshots) of about equal size, each a whole number of `page`s (`snapshot_page` from the
        first): each id ends a range (the last ends with the last snapshot)."""
        ...

    def shared_url(self) -> SecretStr | None:
        """Where another process opens this same store (`connectors.store.sql_state.open_run_state`); None when
        it cannot (in memory)."""
        ...

    def snapshots(self, system: str, record_ids: Sequence[str]) -> list[Snapshot]: ...

    def snapshots_by_email(self, system: str, emails: Sequence[str]) -> list[Snapshot]: ...


@dataclass(frozen=True, slots=True)
class PulledRecord:
    """One record of a full run's whole pull, kept in the state store for the run's joins."""

    system: str
    record_id: str
    modified_ms: int  # the modification stamp (epoch ms; -1 when missing): a window's records are replayed by it
    order_id: str  # the id as the system orders records of one instant (HubSpot's ids as numbers: zero-padded)
    email_key: str | None  # the email as the system compares it in a lookup (Salesforce: case folded; HubSpot: trimmed too)
    record: RawRecord


class PulledRecords(Protocol):
    """A full run's whole pulls, kept per run: partner and evidence lookups become batched SQL, not API calls."""

    def keep_pulled(self, run_id: str, records: Sequence[PulledRecord]) -> None:
        """Keep these records for the run (upsert: a record pulled twice keeps its last copy)."""
        ...

    def keep_pulled_evidence(self, run_id: str, evidence: StageEvidence) -> None: ...

    def pulled_page(self, run_id: str, system: str, span_ms: tuple[int, int], after: tuple[int, str] | None,
                    size: int) -> list[PulledRecord]:
        """Up to `size` kept records of `system` modified in [start, end) ms, in (modified, id) order after `after`."""
        ...

    def pulled(self, run_id: str, system: str, record_ids: Sequence[str]) -> list[RawRecord]: ...

    def pulled_by_email(self, run_id: str, system: str, email_keys: Sequence[str]) -> list[RawRecord]: ...

    def pulled_evidence(self, run_id: str, record_ids: Sequence[str]) -> StageEvidence: ...

    def mark_planned(self, run_id: str, keys: Sequence[tuple[str, str]]) -> None:
        """Mark these kept (system, record_id) records planned by the run."""
        ...

    def planned_of(self, run_id: str, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of `keys` the run marked planned."""
        ...

    def drop_pulled(self, run_id: str) -> None:
        """Forget the run's pulls (its planning is over)."""
        ...

    def drop_orphaned(self) -> None:
        """Forget the pulls and observed leads of runs that hold no live lock (killed mid-run: nobody will read them)."""
        ...


CORRECTION, SKIPPED, SLA, OBSERVED = "correction", "skipped", "sla", "observed"  # the kinds of a run's items
ITEM_KINDS = (CORRECTION, SKIPPED, SLA, OBSERVED)


class RunItems(Protocol):
    """What a run finds as it plans (corrections, skips, SLA clocks, the leads it observed), kept in the state store
    page by page and read back the same way: a run's memory holds a page, not the org. Kept after the run for its
    plan and reports (observed leads excepted) until pruned."""

    def keep_items(self, run_id: str, items: Mapping[str, Sequence[Any]]) -> None:
        """Append items of each kind (see `ITEM_KINDS`) in order, in one transaction."""
        ...

    def item_page(self, run_id: str, kind: str, after: int, size: int, system: str | None = None) -> list[tuple[int, Any]]:
        """Up to `size` items after position `after`, in the order kept, each with its position."""
        ...

    def items_of(self, run_id: str, kind: str, keys: Sequence[tuple[str, str]]) -> list[Any]:
        """The items of these (system, record_id) records, in the order kept."""
        ...

    def drop_items(self, run_id: str, kinds: Sequence[str]) -> None: ...

    def prune_items(self, started_before: datetime) -> None:
        """Forget the items of runs started before this instant."""
        ...


class Checkpoints(Protocol):
    """Pieces of long work marked done, so a rerun skips them (backfill chunks)."""

    def done_keys(self, kind: str) -> set[str]:
        """Checkpoint keys marked done (finished backfill chunks)."""
        ...

    def mark_done(self, kind: str, key: str, detail: Mapping[str, Any]) -> None: ...


class Revisits(Protocol):
    """Records whose write failed for a passing reason (or whose hold was lifted): the next sync reads them again."""

    def add_revisits(self, items: Sequence[tuple[str, str, str | None]]) -> None:
        """(system, record id, code) of writes that failed for a passing reason: the next sync reads them again."""
        ...

    def revisits(self, system: str) -> list[str]: ...

    def clear_revisits(self, keys: Sequence[tuple[str, str]]) -> None: ...


class Holds(Protocol):
    """Records a revert put back: automatic correction leaves them alone under that definition version."""

    def hold(self, keys: Sequence[tuple[str, str]], definition_version: str, run_id: str, at: datetime) -> None:
        """Keep these records from automatic correction under `definition_version` (a revert put them back)."""
        ...

    def holds(self, keys: Sequence[tuple[str, str]], definition_version: str) -> dict[tuple[str, str], Hold]:
        """The holds on those of `keys` that apply under `definition_version`."""
        ...

    def release(self, keys: Sequence[tuple[str, str]] | None = None, run_id: str | None = None) -> list[tuple[str, str]]:
        """Lift holds (of these records, of one reverted run, or all); the records lifted."""
        ...


class OwnerNameCache(Protocol):
    """Owner names as last looked up, so a report or story names owners without a call per run."""

    def owner_names(self, system: str, owner_ids: Sequence[str]) -> dict[str, CachedOwnerName]:
        """The cached names of those of `owner_ids` ever looked up in `system`, by id."""
        ...

    def save_owner_names(self, system: str, names: Mapping[str, str | None], fetched_at: datetime) -> None:
        """Cache what a lookup found (upsert); None records an id the system did not know."""
        ...


class FunnelStore(Protocol):
    """The funnel's derived rows (`mapping.funnel`): each record's own stays and facts, each person's stays by the
    definition; filled as the sync plans each page, rebuilt from the snapshots; counted by period in the store (the
    counts in no particular order: `mapping.funnel_counts.ordered` sorts them)."""

    def save_funnel(self, page: FunnelPage) -> None:
        """Replace the rows of the page's records and people (a person's earlier key too, when a link moved it); join
        its records' reasons to their reason history (`mapping.funnel_reasons.reason_changes`)."""
        ...

    def clear_funnel(self) -> None: ...

    def funnel_versions(self) -> dict[str, int]:
        """Records per definition version their rows were made under (empty: nothing yet)."""
        ...

    def funnel_as_of(self) -> datetime | None:
        """The as_of of the last run that kept rows (it dated what no history dates): None when there are none."""
        ...

    def funnel_spans(self, grid: PeriodGrid, by: str) -> list[SpanCount]: ...

    def funnel_cohorts(self, grid: PeriodGrid, by: str) -> list[CohortCount]:
        """Each stage's entrants per period by where they went after; summed, the period's entries."""
        ...

    def funnel_velocity(self, grid: PeriodGrid, by: str) -> list[VelocityCount]: ...

    def drift_reasons(self, grid: PeriodGrid) -> list[ReasonCount]:
        """Records that differ from the definition at each period's end, by the reason in force then (each record's
        reason history, `mapping.funnel_reasons`: unknown before leadsync first saw the record)."""
        ...

    def sla_trend(self, grid: PeriodGrid) -> list[SlaCount]:
        """SLA clocks by the period they started in, stage, owner and state."""
        ...


class RunState(RunLog, Locks, Observations, Audit, SlaClocks, SnapshotStore, PulledRecords, RunItems, Checkpoints,
               Revisits, Holds, OwnerNameCache, FunnelStore, Protocol):
    """Everything a run keeps between runs, role by role; the SQL store and the fake implement it whole.

    A run function that needs only some roles takes those (a story reads `Audit`, `SlaClocks` and `Holds`).
    """


class Notifier(Protocol):
    """Where people are told about something (e.g. new SLA breaches): apprise in production, a list in tests."""

    def send(self, title: str, body: str) -> bool:
        """Send one message; True when it went out."""
        ...


# Waits for a slot of a rate limit shared with other processes ("hubspot", "hubspot-search"): the slices of a
# fanned-out backfill pace their calls by Prefect global concurrency limits through one of these.
CallGate = Callable[[str], None]

