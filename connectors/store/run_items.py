"""A run's corrections, skips, SLA clocks and observed leads, kept in `run_items` as it plans and read back page by
page: the run's memory holds a page, not the org."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from connectors.store import schema as t
from connectors.store.item_codec import decode, encode, item_key
from connectors.store.keys import system_chunks

KEY_CHUNK = 400  # record ids per IN list


class SqlRunItems:
    """The `RunItems` role of the SQL store (mixed into `SqlRunState`)."""

    _next_seq: dict[tuple[str, str], int]

    def _begin(self, operation: str) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # SqlRunState's transaction

    def keep_items(self, run_id: str, items: Mapping[str, Sequence[Any]]) -> None:
        kept = {kind: found for kind, found in items.items() if found}
        if not kept:
            return
        starts: dict[str, int] = {}
        with self._begin("keep_items") as c:
            rows = []
            for kind, found in kept.items():
                start = starts[kind] = self._seq_after(c, run_id, kind)
                rows += [_row(run_id, kind, start + n, item) for n, item in enumerate(found, 1)]
            c.execute(insert(t.run_items), rows)
        for kind, found in kept.items():  # known once committed: a failed transaction kept nothing
            self._next_seq[(run_id, kind)] = starts[kind] + len(found)

    def _seq_after(self, c: Connection, run_id: str, kind: str) -> int:
        known = self._next_seq.get((run_id, kind))
        if known is not None:
            return known
        i = t.run_items.c
        return int(c.execute(select(func.coalesce(func.max(i.seq), 0))
                             .where(and_(i.run_id == run_id, i.kind == kind))).scalar_one())

    def item_page(self, run_id: str, kind: str, after: int, size: int,
                  system: str | None = None) -> list[tuple[int, Any]]:
        i = t.run_items.c
        query = select(i.seq, i.item).where(and_(i.run_id == run_id, i.kind == kind, i.seq > after))
        if system is not None:
            query = query.where(i.system == system)
        with self._begin("item_page") as c:
            return [(seq, decode(kind, item)) for seq, item in c.execute(query.order_by(i.seq).limit(size))]

    def items_of(self, run_id: str, kind: str, keys: Sequence[tuple[str, str]]) -> list[Any]:
        i = t.run_items.c
        found: list[tuple[int, Any]] = []
        with self._begin("items_of") as c:
            for system, chunk in system_chunks(keys, KEY_CHUNK):
                rows = c.execute(select(i.seq, i.item).where(and_(i.run_id == run_id, i.kind == kind,
                                                                  i.system == system, i.record_id.in_(chunk))))
                found += [(seq, decode(kind, item)) for seq, item in rows]
        return [item for _, item in sorted(found, key=lambda pair: pair[0])]

    def drop_items(self, run_id: str, kinds: Sequence[str]) -> None:
        i = t.run_items.c
        with self._begin("drop_items") as c:
            c.execute(delete(t.run_items).where(and_(i.run_id == run_id, i.kind.in_(list(kinds)))))
        for kind in kinds:
            self._next_seq.pop((run_id, kind), None)

    def prune_items(self, started_before: datetime) -> None:
        runs = select(t.runs.c.id).where(t.runs.c.started_at < started_before).scalar_subquery()
        with self._begin("prune_items") as c:
            c.execute(delete(t.run_items).where(t.run_items.c.run_id.in_(runs)))


def _row(run_id: str, kind: str, seq: int, item: Any) -> dict[str, Any]:
    system, record_id = item_key(item)
    return {"run_id": run_id, "kind": kind, "seq": seq, "system": system, "record_id": record_id,
            "item": encode(kind, item)}
