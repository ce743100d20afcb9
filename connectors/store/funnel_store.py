"""The funnel's rows in SQL (SQLite and PostgreSQL): saved page by page, counted with GROUP BY and window functions.

Every count is one pass over `funnel_segments` (or `funnel_records`, `sla_clocks`) that returns a few hundred rows
(`mapping.funnel_counts`), whatever the number of people: the periods are a CASE over epoch seconds, a person's later
stages a window over their stays, quantiles a ROW_NUMBER. `mapping.funnel_counts` does the same in Python (the fake).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, null, or_, select
from sqlalchemy.sql.elements import ColumnElement

from connectors.store import schema as t
from mapping.funnel import DEFINITION, SIDE_BASE, FunnelPage
from mapping.funnel_counts import (
    MEDIAN,
    P90,
    CohortCount,
    ReasonCount,
    SlaCount,
    SpanCount,
    VelocityCount,
    ordered,
)

SOURCE_CHARS = 255
ROWS_PER_STATEMENT = 2_500
KEYS_PER_DELETE = 500
Upsert = Callable[[Connection, Any, list[dict[str, Any]], list[str]], None]
_S = t.funnel_segments.c
_R = t.funnel_records.c


def save_page(c: Connection, upsert: Upsert, page: FunnelPage) -> None:
    """Replace the page's rows: its records' stays and facts, its people's stays (and a person's earlier key)."""
    keys = {(s.view, s.key) for s in page.segments}
    keys |= {(DEFINITION, person) for person in _earlier_people(c, page)}
    for view in sorted({view for view, _ in keys}):
        of_view = sorted(key for v, key in keys if v == view)
        for start in range(0, len(of_view), KEYS_PER_DELETE):  # one statement per chunk, not one per key
            c.execute(delete(t.funnel_segments).where(and_(_S.view == view,
                                                           _S.key.in_(of_view[start : start + KEYS_PER_DELETE]))))
    upsert(c, t.funnel_records, [_record_row(r) for r in page.records], ["system", "record_id"])
    rows = [_segment_row(s) for s in page.segments]
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        c.execute(t.funnel_segments.insert(), rows[start : start + ROWS_PER_STATEMENT])


def _earlier_people(c: Connection, page: FunnelPage) -> set[str]:
    wanted = {(r.system, r.record_id): r.person for r in page.records}
    found: set[str] = set()
    ids = sorted({record_id for _, record_id in wanted})
    for start in range(0, len(ids), 500):
        rows = c.execute(select(_R.system, _R.record_id, _R.person).where(_R.record_id.in_(ids[start : start + 500])))
        found |= {person for system, record_id, person in rows
                  if (system, record_id) in wanted and wanted[(system, record_id)] != person}
    return found


def _record_row(r: Any) -> dict[str, Any]:
    return {"system": r.system, "record_id": r.record_id, "person": r.person, "stage": r.stage, "resolved": r.resolved,
            "reason": r.reason, "owner": r.owner, "source": _cut(r.source), "version": r.version}


def _segment_row(s: Any) -> dict[str, Any]:
    return {"view": s.view, "key": s.key, "seq": s.seq, "stage": s.stage, "code": s.code, "entered_s": s.entered_s,
            "left_s": s.left_s, "prev_same_s": s.prev_same_s, "prior_s": s.prior_s, "owner": s.owner,
            "source": _cut(s.source)}


def _cut(text: str | None) -> str | None:
    return text[:SOURCE_CHARS] if text else text


def clear(c: Connection) -> None:
    c.execute(delete(t.funnel_segments))
    c.execute(delete(t.funnel_records))


def versions(c: Connection) -> dict[str, int]:
    return {version: int(n) for version, n in c.execute(select(_R.version, func.count()).group_by(_R.version))}


def _group(by: str) -> ColumnElement[Any]:
    return _grouping(by).label("grp")


def _grouping(by: str) -> ColumnElement[Any]:
    column = {"owner": _S.owner, "source": _S.source}.get(by)
    return column if column is not None else null()


def _end_index(column: Any, edges: Sequence[int]) -> ColumnElement[Any]:
    """The first period whose end comes after the instant (`mapping.funnel_periods.end_index`); NULL: never."""
    return case(*((column < edge, index) for index, edge in enumerate(edges[1:])), else_=len(edges) - 1)


def _period_start(column: Any, edges: Sequence[int]) -> ColumnElement[Any]:
    return case(*((column < edge, edges[index]) for index, edge in enumerate(edges[1:])), else_=edges[-1])


def _in_range(edges: Sequence[int]) -> ColumnElement[bool]:
    return and_(_S.view == DEFINITION, _S.entered_s >= edges[0], _S.entered_s < edges[-1])


def _first_in_period(edges: Sequence[int]) -> ColumnElement[bool]:
    """Not a re-entry into a stage the person entered earlier in the same period."""
    return or_(_S.prev_same_s.is_(None), _S.prev_same_s < _period_start(_S.entered_s, edges))


def spans(c: Connection, edges: Sequence[int], by: str) -> list[SpanCount]:
    group = case((_S.view == DEFINITION, _grouping(by)), else_=null()).label("grp")
    # Stays that ended before the first period did are never open at a period's end: left out of the count.
    current = and_(_S.entered_s < edges[-1], or_(_S.left_s.is_(None), _S.left_s >= edges[1]))
    stays = (select(_S.view, _S.code, group, _end_index(_S.entered_s, edges).label("entered_by"),
                    _end_index(_S.left_s, edges).label("left_by")).where(current).subquery())
    s = stays.c
    query = (select(s.view, s.code, s.grp, s.entered_by, s.left_by, func.count())
             .group_by(s.view, s.code, s.grp, s.entered_by, s.left_by))
    return ordered(SpanCount(view, int(code), g, int(e), int(lft), int(n)) for view, code, g, e, lft, n in c.execute(query))


def cohorts(c: Connection, edges: Sequence[int], by: str) -> list[CohortCount]:
    # Over each person's later stays: the highest ladder stage, and the first side stage (seq first, then its code).
    best = func.max(case((and_(_S.code > 0, _S.code < SIDE_BASE), _S.code), else_=None)).over(
        partition_by=_S.key, order_by=_S.seq, rows=(1, None))
    side = func.min(case((_S.code >= SIDE_BASE, _S.seq * 1000 + _S.code), else_=None)).over(
        partition_by=_S.key, order_by=_S.seq, rows=(1, None))
    stays = (select(_S.code, _S.entered_s, _S.prev_same_s, _group(by), best.label("best"), side.label("side"))
             .where(_in_range(edges)).subquery())
    s = stays.c
    fresh = or_(s.prev_same_s.is_(None), s.prev_same_s < _period_start(s.entered_s, edges))
    members = (select(_end_index(s.entered_s, edges).label("period"), s.code, s.grp, s.best,
                      (s.side % 1000).label("side_code"))
               .where(and_(s.code > 0, fresh)).subquery())
    m = members.c
    query = (select(m.period, m.code, m.grp, m.best, m.side_code, func.count())
             .group_by(m.period, m.code, m.grp, m.best, m.side_code))
    return ordered(CohortCount(int(p), int(code), g, _int(b), _int(sd), int(n)) for p, code, g, b, sd, n in c.execute(query))


def velocity(c: Connection, edges: Sequence[int], by: str) -> list[VelocityCount]:
    group = _grouping(by)
    steps = (select(_S.code, group.label("grp"), _S.prior_s,
                    func.row_number().over(partition_by=(_S.code, group), order_by=_S.prior_s).label("rn"),
                    func.count().over(partition_by=(_S.code, group)).label("n"))
             .where(and_(_in_range(edges), _S.prior_s.is_not(None))).subquery())
    s = steps.c
    median, p90 = (_rank(s.n, MEDIAN), _rank(s.n, P90))
    query = select(s.code, s.grp, s.n, s.rn, s.prior_s).where(or_(s.rn == median, s.rn == p90))
    found: dict[tuple[int, str | None], dict[str, int]] = {}
    for code, g, n, rn, value in c.execute(query):
        cell = found.setdefault((int(code), g), {"n": int(n)})
        if rn == _position(int(n), MEDIAN):
            cell["median"] = int(value)
        if rn == _position(int(n), P90):
            cell["p90"] = int(value)
    return ordered(VelocityCount(code, g, v["n"], v["median"], v["p90"]) for (code, g), v in found.items())


def _rank(n: Any, quantile: tuple[int, int]) -> ColumnElement[Any]:
    numerator, denominator = quantile
    return (n * numerator + denominator - 1) // denominator


def _position(n: int, quantile: tuple[int, int]) -> int:
    numerator, denominator = quantile
    return max(1, (n * numerator + denominator - 1) // denominator)


def reasons(c: Connection) -> list[ReasonCount]:
    query = (select(_R.system, _R.stage, _R.reason, func.count()).where(_R.reason != "")
             .group_by(_R.system, _R.stage, _R.reason))
    return ordered(ReasonCount(system, stage, reason, int(n)) for system, stage, reason, n in c.execute(query))


def sla_trend(c: Connection, edges: Sequence[int]) -> list[SlaCount]:
    k = t.sla_clocks.c
    instants = [datetime.fromtimestamp(edge, UTC) for edge in edges]
    period = case(*((k.started_at < at, index) for index, at in enumerate(instants[1:])), else_=len(edges) - 1)
    clocks = (select(period.label("period"), k.stage, k.owner_id, k.state)
              .where(and_(k.started_at >= instants[0], k.started_at < instants[-1])).subquery())
    s = clocks.c
    query = select(s.period, s.stage, s.owner_id, s.state, func.count()).group_by(s.period, s.stage, s.owner_id, s.state)
    return ordered(SlaCount(int(p), stage, owner, state, int(n)) for p, stage, owner, state, n in c.execute(query))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
