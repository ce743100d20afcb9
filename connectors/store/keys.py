"""Record keys for the store's IN lists: record ids grouped by system, in chunks.

Each query names its system, so it seeks the (system, record_id) key its table is indexed by; by id alone it would
scan every row of the table (a million rows per page on a million-lead org)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

Key = tuple[str, str]


def system_chunks(keys: Iterable[Key], size: int) -> Iterator[tuple[str, Sequence[str]]]:
    for system, ids in by_system(keys).items():
        for start in range(0, len(ids), size):
            yield system, ids[start : start + size]


def by_system(keys: Iterable[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for system, record_id in sorted(set(keys)):
        grouped.setdefault(system, []).append(record_id)
    return grouped
