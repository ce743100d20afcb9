"""Apply planned corrections in batches, with write intents recorded first and every write read back.

Intent rows are committed before a batch is sent; after the answer they become applied or failed. A crash in
between leaves *pending* intents, which the next run settles by reading the records back (`settle_pending`),
so every applied write is recorded exactly once and nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from connectors.ports import StageWriter, WriteOutcome
from flows.services import Services
from mapping.plan import Correction

CHUNK_RECORDS = 1000


@dataclass
class ApplyResult:
    applied: int = 0
    verified: int = 0
    failed: list[tuple[Correction, WriteOutcome]] = field(default_factory=list)
    not_verified: list[Correction] = field(default_factory=list)


def apply_corrections(services: Services, run_id: str, system: str, corrections: Sequence[Correction]) -> ApplyResult:
    writer = services.systems[system].writer
    result = ApplyResult()
    for chunk in _by_record_chunks(corrections, CHUNK_RECORDS):
        services.state.record_intents(run_id, chunk)
        outcomes = {o.record_id: o for o in writer.apply_corrections(chunk)}
        pairs = [(c, outcomes.get(c.record_id) or _missing(c)) for c in chunk]
        verified = _verify(writer, [c for c, o in pairs if o.ok])
        services.state.record_outcomes(run_id, pairs, verified)
        result.applied += sum(1 for _, o in pairs if o.ok)
        result.verified += len(verified)
        result.failed += [(c, o) for c, o in pairs if not o.ok]
        result.not_verified += [c for c, o in pairs if o.ok and _key(c) not in verified]
    return result


def settle_pending(services: Services) -> int:
    """Resolve intents left pending by a crashed run: applied if the system holds the value, else abandoned."""
    settled = 0
    for system, ports in services.systems.items():
        pending = services.state.pending_intents(system)
        if not pending:
            continue
        held = _verify(ports.writer, [c for _, c in pending])
        services.state.settle_intents([(run_id, c, _key(c) in held) for run_id, c in pending])
        settled += len(pending)
    return settled


def _verify(writer: StageWriter, corrections: Sequence[Correction]) -> set[tuple[str, str, int]]:
    """The corrections whose value the system now holds (the last step of each field)."""
    if not corrections:
        return set()
    current = writer.read_stage_values(sorted({c.record_id for c in corrections}))
    final = {(c.record_id, c.field): c for c in sorted(corrections, key=lambda c: c.step)}
    held = set()
    for correction in corrections:
        last = final[(correction.record_id, correction.field)]
        value = (current.get(correction.record_id) or {}).get(correction.field)
        if _same(value, last.after):
            held.add(_key(correction))
    return held


def _same(held: str | None, wanted: str | None) -> bool:
    return (held or None) == (wanted or None)


def _key(correction: Correction) -> tuple[str, str, int]:
    return (correction.record_id, correction.field, correction.step)


def _missing(correction: Correction) -> WriteOutcome:
    return WriteOutcome(correction.record_id, False, "NO_RESULT", "the system returned no result for this record")


def _by_record_chunks(corrections: Sequence[Correction], size: int) -> Iterator[list[Correction]]:
    """Chunks of whole records: every correction of a record travels in the same chunk."""
    order: dict[str, list[Correction]] = {}
    for correction in corrections:
        order.setdefault(correction.record_id, []).append(correction)
    records = list(order.values())
    for start in range(0, len(records), size):
        yield [c for group in records[start : start + size] for c in group]
