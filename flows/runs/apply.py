"""Apply planned corrections in batches: intent first, verify before write, write, read back.

- Intent rows are committed before a batch is sent; after the answer they become applied, failed, held or stale.
  A crash in between leaves *pending* intents, which the next run settles by reading the records back
  (`settle_pending`), so every applied write is recorded exactly once.
- Verify before write: each chunk's records are read just before the write. A field that still holds the value
  the plan saw is written; one that already holds the target is *held* (nothing sent: another run or a person
  got there first); one that holds anything else is *stale*: a CRM user changed it since our read, and it is
  reported, never overwritten blindly.
- A write whose outcome is unknown (a timeout or a reset after the request left) is never resent blindly: after a
  settle delay the records are read again and only those still holding the old value are sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from connectors.ports import OUTCOME_UNKNOWN, StageWriter, WriteOutcome
from flows.runs.services import Services
from mapping.plan import Correction

CHUNK_RECORDS = 1000
MAX_ROUNDS = 3  # sends of one record within a chunk when its outcome stays unknown
CHANGED_SINCE_READ = "CHANGED_SINCE_READ"
Values = dict[str, dict[str, str | None]]


@dataclass
class ApplyResult:
    applied: int = 0
    verified: int = 0
    held: int = 0  # already holding the target when we came to write: nothing sent
    resent: int = 0  # records sent again after an unknown outcome showed they had not been written
    failed: list[tuple[Correction, WriteOutcome]] = field(default_factory=list)
    stale: list[tuple[Correction, str | None]] = field(default_factory=list)  # (correction, value found instead)
    not_verified: list[Correction] = field(default_factory=list)


def apply_corrections(services: Services, run_id: str, system: str, corrections: Iterable[Correction],
                      sleep: Callable[[float], None] = time.sleep) -> ApplyResult:
    writer = services.systems[system].writer
    result = ApplyResult()
    for chunk in _by_record_chunks(corrections, CHUNK_RECORDS):
        services.state.record_intents(run_id, chunk)
        outcomes = _ChunkWrite(writer, chunk, services.settings.write_settle_s, sleep).run(result)
        services.state.record_outcomes(run_id, outcomes, set())
    return result


class _ChunkWrite:
    """One chunk's records through verify → write → read back, with capped resends of unknown outcomes."""

    def __init__(self, writer: StageWriter, chunk: list[Correction], settle_s: float,
                 sleep: Callable[[float], None]) -> None:
        self.writer = writer
        self.settle_s = settle_s
        self.sleep = sleep
        self.fields: dict[str, dict[str, list[Correction]]] = {}
        for correction in sorted(chunk, key=lambda c: c.step):
            self.fields.setdefault(correction.record_id, {}).setdefault(correction.field, []).append(correction)
        self.outcomes: dict[tuple[str, str, int], tuple[Correction, WriteOutcome]] = {}

    def run(self, result: ApplyResult) -> list[tuple[Correction, WriteOutcome]]:
        current = self.writer.read_stage_values(sorted(self.fields))
        todo = self._classify(sorted(self.fields), current, result, sent_before=set())
        sent: set[str] = set()
        for round_number in range(1, MAX_ROUNDS + 1):
            if not todo:
                break
            result.resent += len(set(todo) & sent)
            unknown, succeeded = self._send(todo)
            sent |= set(todo)
            if unknown:
                self.sleep(self.settle_s)  # let a slow write that did reach the server land before we look
            current = self.writer.read_stage_values(sorted(unknown | succeeded))
            self._verify(succeeded, current, result)
            todo = self._classify(sorted(unknown), current, result, sent_before=unknown)
            if round_number == MAX_ROUNDS:
                self._give_up(set(todo))  # still holding the old value after every send: the next run decides
        result.applied += sum(1 for _, o in self.outcomes.values() if o.status is None and o.ok)
        result.failed += [(c, o) for c, o in self.outcomes.values() if not o.ok and o.status is None]
        return list(self.outcomes.values())

    def _classify(self, records: Sequence[str], current: Values, result: ApplyResult,
                  sent_before: set[str]) -> dict[str, list[Correction]]:
        """Per record: the steps still to send; held and stale records are settled here."""
        todo: dict[str, list[Correction]] = {}
        for record_id in records:
            values = current.get(record_id)
            remaining: list[Correction] = []
            changed: list[tuple[Correction, str | None]] = []
            for field_name, steps in self.fields[record_id].items():
                value = (values or {}).get(field_name)
                index = _position(steps, value) if values is not None else None
                if index is None:
                    changed += [(c, value) for c in steps]
                else:
                    remaining += steps[index:]
            if changed:  # someone else edited this lead: leave all of it alone
                self._settle_stale(record_id, changed, result)
            elif remaining:
                todo[record_id] = remaining
            else:
                self._settle_held(record_id, result, written=record_id in sent_before)
        return todo

    def _send(self, todo: dict[str, list[Correction]]) -> tuple[set[str], set[str]]:
        """Send the steps in order (clear, then set); a record stops at its first failed step."""
        unknown: set[str] = set()
        blocked: set[str] = set()
        succeeded: set[str] = set()
        for step in sorted({c.step for steps in todo.values() for c in steps}):
            batch = [c for r, steps in todo.items() if r not in blocked for c in steps if c.step == step]
            if not batch:
                continue
            answers = {o.record_id: o for o in self.writer.apply_corrections(batch)}
            for correction in batch:
                outcome = answers.get(correction.record_id) or _missing(correction)
                if outcome.code == OUTCOME_UNKNOWN:
                    unknown.add(correction.record_id)
                    continue
                self.outcomes[_key(correction)] = (correction, outcome)
                if not outcome.ok:
                    blocked.add(correction.record_id)
        for record_id in todo:
            if record_id not in unknown and record_id not in blocked:
                succeeded.add(record_id)
        return unknown - blocked, succeeded

    def _verify(self, records: set[str], current: Values, result: ApplyResult) -> None:
        for record_id in records:
            values = current.get(record_id) or {}
            for field_name, steps in self.fields[record_id].items():
                if _same(values.get(field_name), steps[-1].after):
                    result.verified += 1
                else:
                    result.not_verified.append(steps[-1])

    def _settle_held(self, record_id: str, result: ApplyResult, written: bool) -> None:
        """The record holds every target: our earlier unknown send landed (`written`), or someone else's did."""
        for steps in self.fields[record_id].values():
            for correction in steps:
                if _key(correction) in self.outcomes:
                    continue
                if written:
                    self.outcomes[_key(correction)] = (correction, WriteOutcome(correction.record_id, True))
                    result.verified += correction is steps[-1]
                else:
                    self.outcomes[_key(correction)] = (correction, WriteOutcome(
                        correction.record_id, True, "ALREADY_HELD", "the system already held this value", status="held"))
                    result.held += correction is steps[-1]

    def _settle_stale(self, record_id: str, changed: list[tuple[Correction, str | None]], result: ApplyResult) -> None:
        found = {c.field: value for c, value in changed}
        for field_name, steps in self.fields[record_id].items():
            message = f"{field_name} changed since our read (now {found.get(field_name)!r}); left as the user set it"
            for correction in steps:
                self.outcomes.setdefault(_key(correction), (correction, WriteOutcome(
                    record_id, False, CHANGED_SINCE_READ, message[:500], status="stale")))
            result.stale.append((steps[-1], found.get(field_name, steps[-1].before)))

    def _give_up(self, unknown: set[str]) -> None:
        for record_id in unknown:
            for steps in self.fields[record_id].values():
                for correction in steps:
                    self.outcomes.setdefault(_key(correction), (correction, WriteOutcome(
                        record_id, False, OUTCOME_UNKNOWN,
                        f"no answer after {MAX_ROUNDS} sends; the next run reads the record and decides again",
                        transient=True)))


def _position(steps: list[Correction], value: str | None) -> int | None:
    """Index of the first step still to send, given the field's current value; None when it moved elsewhere."""
    if _same(value, steps[-1].after):
        return len(steps)
    if _same(value, steps[0].before):
        return 0
    for index, step in enumerate(steps[:-1]):
        if _same(value, step.after):
            return index + 1
    return None


def settle_pending(services: Services) -> int:
    """Resolve intents left pending by a crashed run: applied if the system holds the value, else abandoned."""
    settled = 0
    for system, ports in services.systems.items():
        pending = services.state.pending_intents(system)
        if not pending:
            continue
        held = _held_steps(ports.writer, [c for _, c in pending])
        services.state.settle_intents([(run_id, c, _key(c) in held) for run_id, c in pending])
        settled += len(pending)
    return settled


def _held_steps(writer: StageWriter, corrections: Sequence[Correction]) -> set[tuple[str, str, int]]:
    """Steps the system shows as done: every step up to the one whose value the field now holds."""
    current = writer.read_stage_values(sorted({c.record_id for c in corrections}))
    fields: dict[tuple[str, str], list[Correction]] = {}
    for correction in sorted(corrections, key=lambda c: c.step):
        fields.setdefault((correction.record_id, correction.field), []).append(correction)
    held: set[tuple[str, str, int]] = set()
    for (record_id, field_name), steps in fields.items():
        value = (current.get(record_id) or {}).get(field_name)
        done = next((i + 1 for i in range(len(steps) - 1, -1, -1) if _same(value, steps[i].after)), 0)
        held |= {_key(c) for c in steps[:done]}
    return held


def _same(held: str | None, wanted: str | None) -> bool:
    return (held or None) == (wanted or None)


def _key(correction: Correction) -> tuple[str, str, int]:
    return (correction.record_id, correction.field, correction.step)


def _missing(correction: Correction) -> WriteOutcome:
    return WriteOutcome(correction.record_id, False, "NO_RESULT", "the system returned no result for this record",
                        transient=True)


def _by_record_chunks(corrections: Iterable[Correction], size: int) -> Iterator[list[Correction]]:
    """Chunks of `size` records, streamed: a record's corrections come together (one lead's plan), so each travels
    whole in one chunk."""
    chunk: list[Correction] = []
    records: set[str] = set()
    for correction in corrections:
        if correction.record_id not in records and len(records) == size:
            yield chunk
            chunk, records = [], set()
        records.add(correction.record_id)
        chunk.append(correction)
    if chunk:
        yield chunk
