"""The funnel's rows in SQL (SQLite and PostgreSQL): saved page by page, counted with GROUP BY over small integers.

Each row carries what the counts group by, worked out when it is written (`mapping.funnel.Segment`): its month and
week numbers, whether it re-enters a stage in the period, its cohort outcome. So each count is one read of a narrow
covering index in the order it groups by (no sort, no CASE over epoch seconds, no window over every row), and returns
a few thousand rows that Python folds into the funnel's periods. `mapping.funnel_counts` does the same from epoch
seconds in Python (the fake), which the store tests compare. Each record's drift reasons keep their history
(`funnel_reasons`: a row per reason in force, with the month and week numbers of its start and end), counted the
same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, literal_column, null, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from connectors.store import schema as t
from mapping.funnel import DEFINITION, DUPLICATE_PREFIX, SIDE_BASE, FunnelPage, Segment
from mapping.funnel_counts import (
    MEDIAN,
    P90,
    CohortCount,
    ReasonCount,
    SlaCount,
    SpanCount,
    VelocityCount,
    nearest_rank,
    ordered,
    quantiles,
)
from mapping.funnel_periods import PeriodGrid, PeriodKind
from mapping.funnel_reasons import ReasonStay, reason_changes

SOURCE_CHARS = 255
ROWS_PER_STATEMENT = 2_500
Upsert = Callable[[Connection, Any, list[dict[str, Any]], list[str]], None]
Cell = tuple[Any, Any, Any]  # what a count groups rows by: (view, code, group) or (system, stage, reason)
Bounded = tuple[Cell, int, int | None, int, int]  # (cell, began, ended, rows, rows ended after the range)
_S = t.funnel_segments.c
_R = t.funnel_records.c
_Q = t.funnel_reasons.c
_DEFINITION: ColumnElement[str] = literal_column(t.DEFINITION_VIEW)  # written out, so the partial indexes apply
_ZERO: ColumnElement[int] = literal_column("0")
_ONE: ColumnElement[int] = literal_column("1")
_SEGMENTS, _VIEW, _KEY = '"funnel_segments"', '"view"', '"key"'  # quoted: `view` and `key` are keywords somewhere


def save_page(c: Connection, upsert: Upsert, page: FunnelPage) -> None:
    """Replace the page's rows: its records' stays and facts, its people's stays (and a person's earlier key).

    Only the stays that can be there are deleted: a record's own, when its facts are (they are written together);
    a person's, when one of its records' facts name it (a person's key is its primary record's id); a duplicated
    email's, always. A first sync deletes next to nothing."""
    kept = _kept_people(c, page)
    people = set(kept.values())
    keys = {(s.view, s.key) for s in page.segments
            if (s.key in people or s.key.startswith(DUPLICATE_PREFIX) if s.view == DEFINITION
                else (s.view, s.key) in kept)}
    keys |= {(DEFINITION, person) for person in people}
    if keys:  # one statement, a key per row: no IN list to render per page
        c.exec_driver_sql(f"DELETE FROM {_SEGMENTS} WHERE {_VIEW} = {_mark(c)} AND {_KEY} = {_mark(c)}", sorted(keys))
    upsert(c, t.funnel_records, [_record_row(r) for r in page.records], ["system", "record_id"])
    _insert_rows(c, t.funnel_segments, [segment_values(s) for s in page.segments])
    _save_reasons(c, page.reasons, set(kept))


def _insert_rows(c: Connection, table: Any, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        _insert_values(c, table, rows[start : start + ROWS_PER_STATEMENT])


def _save_reasons(c: Connection, rows: Sequence[ReasonStay], kept: set[tuple[str, str]]) -> None:
    """Join each record's rows to its reason history (`mapping.funnel_reasons.reason_changes`). Only a record with
    funnel rows already can have a history (they are written together): a first sync reads none."""
    by_record: dict[tuple[str, str], list[ReasonStay]] = {}
    for row in rows:
        by_record.setdefault((row.system, row.record_id), []).append(row)
    opened = _open_reasons(c, [key for key in by_record if key in kept])
    changed: list[ReasonStay] = []
    added: list[ReasonStay] = []
    for key, record_rows in by_record.items():
        open_row, new_rows = reason_changes(opened.get(key), record_rows)
        changed += [open_row] if open_row is not None else []
        added += new_rows
    if changed:
        mark = _mark(c)
        c.exec_driver_sql(f'UPDATE "funnel_reasons" SET "until_s" = {mark}, "until_m" = {mark}, "until_w" = {mark}, '
                          f'"stage" = {mark}, "reason" = {mark} WHERE "system" = {mark} AND "record_id" = {mark} '
                          f'AND "since_s" = {mark}', [(r.until_s, r.until_m, r.until_w, r.stage, r.reason, r.system,
                                                       r.record_id, r.since_s) for r in changed])
    _insert_rows(c, t.funnel_reasons, [reason_values(r) for r in added])


def _open_reasons(c: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ReasonStay]:
    """The rows in force (until_s NULL) of these records, by (system, record id)."""
    found: dict[tuple[str, str], ReasonStay] = {}
    for system in sorted({system for system, _ in keys}):
        ids = sorted(record_id for s, record_id in keys if s == system)
        for start in range(0, len(ids), 500):
            query = select(t.funnel_reasons).where(and_(_Q.system == system, _Q.record_id.in_(ids[start : start + 500]),
                                                        _Q.until_s.is_(None)))
            found |= {(row.system, row.record_id): ReasonStay(*row) for row in c.execute(query)}
    return found


def reason_values(r: ReasonStay) -> tuple[Any, ...]:
    """A reason row's values, in the order of `funnel_reasons`' columns."""
    return (r.system, r.record_id, r.since_s, r.until_s, r.stage, r.reason, r.since_m, r.until_m, r.since_w, r.until_w)


def _insert_values(c: Connection, table: Any, rows: list[tuple[Any, ...]]) -> None:
    """Rows as tuples in the table's column order, straight to the driver's executemany: SQLAlchemy's handling of
    each row's parameters costs as much as the database's insert of it.

    A row another run wrote meanwhile (two runs replacing one person's stays at once: each deleted before the other
    inserted) is overwritten, not a failed run: the later run's rows win where both wrote one."""
    if not rows:
        return
    columns = ", ".join(f'"{column.name}"' for column in table.columns)
    marks = ", ".join([_mark(c)] * len(table.columns))
    keys = [column.name for column in table.primary_key.columns]
    rest = ", ".join(f'"{column.name}" = excluded."{column.name}"' for column in table.columns if column.name not in keys)
    conflict = f'ON CONFLICT ({", ".join(f"{chr(34)}{k}{chr(34)}" for k in keys)}) DO UPDATE SET {rest}'
    c.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks}) {conflict}', rows)


def _mark(c: Connection) -> str:
    """The driver's positional parameter: sqlite3's `?`, psycopg's `%s`."""
    return "?" if c.dialect.paramstyle == "qmark" else "%s"


def _kept_people(c: Connection, page: FunnelPage) -> dict[tuple[str, str], str]:
    """The page's records that have rows already, with the person their facts name."""
    wanted = {(r.system, r.record_id) for r in page.records}
    found: dict[tuple[str, str], str] = {}
    ids = sorted({record_id for _, record_id in wanted})
    for start in range(0, len(ids), 500):
        rows = c.execute(select(_R.system, _R.record_id, _R.person).where(_R.record_id.in_(ids[start : start + 500])))
        found |= {(system, record_id): person for system, record_id, person in rows if (system, record_id) in wanted}
    return found


def _record_row(r: Any) -> dict[str, Any]:
    return {"system": r.system, "record_id": r.record_id, "person": r.person, "stage": r.stage, "resolved": r.resolved,
            "reason": r.reason, "owner": r.owner, "source": _cut(r.source), "version": r.version,
            "as_of_s": r.as_of_s}


def segment_values(s: Segment) -> tuple[Any, ...]:
    """A stay as its row's values, in the order of `funnel_segments`' columns."""
    return (s.view, s.key, s.seq, s.stage, s.code, s.entered_s, s.left_s, s.prev_same_s, s.prior_s, s.owner,
            _cut(s.source), s.entered_m, s.left_m, s.entered_w, s.left_w, int(not s.repeat_m), int(not s.repeat_w),
            s.best, s.side, s.last_s)


def _cut(text: str | None) -> str | None:
    return text[:SOURCE_CHARS] if text else text


def clear(c: Connection) -> None:
    c.execute(delete(t.funnel_segments))
    c.execute(delete(t.funnel_records))
    c.execute(delete(t.funnel_reasons))


def versions(c: Connection) -> dict[str, int]:
    return {version: int(n) for version, n in c.execute(select(_R.version, func.count()).group_by(_R.version))}


def last_as_of(c: Connection) -> datetime | None:
    latest = c.execute(select(func.max(_R.as_of_s))).scalar()
    return None if latest is None else datetime.fromtimestamp(int(latest), UTC)


def _grouping(by: str) -> list[Any]:
    """The column a count groups people by (none for `none`)."""
    return [{"owner": _S.owner, "source": _S.source}[by]] if by in ("owner", "source") else []


def _numbers(grid: PeriodGrid) -> tuple[Any, Any, Any]:
    """The rows' (entered, left, fresh) columns of the grid's kind of period."""
    if grid.kind is PeriodKind.WEEK:
        return _S.entered_w, _S.left_w, _S.fresh_w
    return _S.entered_m, _S.left_m, _S.fresh_m


def spans(c: Connection, grid: PeriodGrid, by: str) -> list[SpanCount]:
    """Stays by the periods they began and ended in (`mapping.funnel_counts.span_counts`), in no particular order."""
    entered, left, _ = _numbers(grid)
    group = _grouping(by)
    keys = [_S.view, _S.code, entered, left, *group]  # the order of ix_funnel_spans_*
    # Stays that ended before the first period did are never open at a period's end: left out of the count.
    current = and_(_S.entered_s < grid.until, or_(_S.left_s.is_(None), _S.left_s >= grid.edges[1]))
    after = func.count(case((_S.left_s >= grid.until, _ONE)))  # ended after the funnel's end: not ended in range
    query = select(_S.view, _S.code, (group[0] if group else null()).label("grp"), entered, left, func.count(), after)
    rows = c.execute(query.where(current).group_by(*keys)).all()
    counts = _by_bounds(grid, (((view, code, g if view == DEFINITION else None), began, ended, stays, later)
                               for view, code, g, began, ended, stays, later in rows))
    return [SpanCount(*key, n) for key, n in counts.items()]


def _by_bounds(grid: PeriodGrid, rows: Iterable[Bounded]) -> dict[tuple[Any, Any, Any, int, int], int]:
    """Rows counted by the period numbers they began and ended in, as {(*cell, entered_by, left_by): rows}: indexes
    of the grid's periods (began before the first: 0; not ended, or ended after the funnel's end: `periods`)."""
    first, periods = grid.first, grid.periods
    counts: dict[tuple[Any, Any, Any, int, int], int] = {}
    for (k1, k2, k3), began, ended, stays, later in rows:
        start = began - first if began > first else 0
        if ended is None or later:
            key = (k1, k2, k3, start, periods)
            counts[key] = counts.get(key, 0) + (stays if ended is None else later)
        if ended is not None and stays > later:
            key = (k1, k2, k3, start, ended - first if ended > first else 0)
            counts[key] = counts.get(key, 0) + stays - later
    return counts


def cohorts(c: Connection, grid: PeriodGrid, by: str) -> list[CohortCount]:
    """Each stage's entrants by where they went after (`mapping.funnel_counts.cohort_counts`), in no particular
    order: the outcome each row carries, for people whose path ends before the funnel does (read in the order of
    ix_funnel_cohorts_*); over their stays in range (a window) for the few whose path goes on after it."""
    entered, _, fresh = _numbers(grid)
    group = _grouping(by)
    starts = and_(_S.view == _DEFINITION, _S.code > _ZERO, fresh == _ONE,
                  entered.between(grid.first, grid.first + grid.periods - 1), _S.entered_s < grid.until)
    query = (select(entered, _S.code, (group[0] if group else null()).label("grp"), _S.best, _S.side, func.count())
             .where(and_(starts, _S.last_s < grid.until)).group_by(entered, _S.code, _S.best, _S.side, *group))
    first = grid.first
    found = [CohortCount(began - first, code, g, best, side, n) for began, code, g, best, side, n in c.execute(query).all()]
    going_on = [CohortCount(began - first, code, g, best, side, n)
                for began, code, g, best, side, n in c.execute(_cohorts_going_on(grid, group)).all()]
    if not going_on:
        return found
    counts = Counter({row[:-1]: row.people for row in found})
    for row in going_on:
        counts[row[:-1]] += row.people
    return [CohortCount(*key, n) for key, n in counts.items()]


def _cohorts_going_on(grid: PeriodGrid, group: list[Any]) -> Any:
    """The people who entered a stage after the funnel's end: their outcomes over their stays in range (a window)."""
    entered, _, fresh = _numbers(grid)
    # Their keys first (ix_funnel_ends), so the planner reads their stays by key, not every person's in key order.
    ends = t.funnel_segments.alias("ends")
    going_on = select(ends.c.key).where(and_(ends.c.view == _DEFINITION, ends.c.last_s >= grid.until))
    best = func.max(case((and_(_S.code > 0, _S.code < SIDE_BASE), _S.code), else_=None)).over(
        partition_by=_S.key, order_by=_S.seq, rows=(1, None))
    side = func.min(case((_S.code >= SIDE_BASE, _S.seq * 1000 + _S.code), else_=None)).over(
        partition_by=_S.key, order_by=_S.seq, rows=(1, None))
    stays = (select(entered.label("began"), _S.code, fresh.label("fresh"), best.label("best"), side.label("side"),
                    (group[0] if group else null()).label("grp"))
             .where(and_(_S.view == _DEFINITION, _S.key.in_(going_on), _S.entered_s >= grid.edges[0],
                         _S.entered_s < grid.until))
             .subquery())
    s = stays.c
    side_code = (s.side % 1000).label("side_code")
    return (select(s.began, s.code, s.grp, s.best, side_code, func.count()).where(and_(s.code > 0, s.fresh == 1))
            .group_by(s.began, s.code, s.grp, s.best, side_code))


def velocity(c: Connection, grid: PeriodGrid, by: str) -> list[VelocityCount]:
    """Nearest-rank quantiles of the steps in range per stage and group: PostgreSQL's `percentile_disc` (the first
    value at or past ceil(n * q)); on SQLite by owner, ix_funnel_steps' order (each group's count, then each quantile
    read at its offset in the index); else the steps read (a third of a row per person) and picked in Python."""
    steps = and_(_S.view == _DEFINITION, _S.prior_s.is_not(None), _S.entered_s >= grid.edges[0],
                 _S.entered_s < grid.until)
    group = (_grouping(by) or [null()])[0]
    if c.dialect.name == "postgresql":
        median, p90 = (func.percentile_disc(numerator / denominator).within_group(_S.prior_s)
                       for numerator, denominator in (MEDIAN, P90))
        query = select(_S.code, group, func.count(), median, p90).where(steps).group_by(_S.code, *_grouping(by))
        return [VelocityCount(code, g, n, int(m), int(p)) for code, g, n, m, p in c.execute(query)]
    if by != "owner":
        found: dict[tuple[int, str | None], list[int]] = defaultdict(list)
        for code, g, value in c.execute(select(_S.code, group, _S.prior_s).where(steps)):
            found[(code, g)].append(value)
        return quantiles(found)
    counts = c.execute(select(_S.code, _S.owner, func.count()).where(steps).group_by(_S.code, _S.owner)).all()
    at = select(_S.prior_s).order_by(_S.prior_s).limit(1).offset(bindparam("skip"))
    of_owner = at.where(and_(steps, _S.code == bindparam("code"), _S.owner == bindparam("owner")))
    of_nobody = at.where(and_(steps, _S.code == bindparam("code"), _S.owner.is_(None)))
    rows = []
    for code, owner, n in counts:
        query = of_nobody if owner is None else of_owner
        median, p90 = (c.execute(query, {"code": code, "owner": owner, "skip": nearest_rank(n, q) - 1}).scalar_one()
                       for q in (MEDIAN, P90))
        rows.append(VelocityCount(code, owner, n, median, p90))
    return rows


def reasons(c: Connection, grid: PeriodGrid) -> list[ReasonCount]:
    """The reasons in force at each period's end (`mapping.funnel_counts.reason_counts`), read in the order of
    ix_funnel_reasons_* like the stays (`spans`)."""
    since, until = (_Q.since_w, _Q.until_w) if grid.kind is PeriodKind.WEEK else (_Q.since_m, _Q.until_m)
    current = and_(_Q.reason != literal_column("''"), _Q.since_s < grid.until,
                   or_(_Q.until_s.is_(None), _Q.until_s >= grid.edges[1]))
    after = func.count(case((_Q.until_s >= grid.until, _ONE)))
    query = select(_Q.system, _Q.stage, _Q.reason, since, until, func.count(), after).where(current)
    rows = c.execute(query.group_by(_Q.system, _Q.stage, _Q.reason, since, until)).all()
    bounded = _by_bounds(grid, (((system, stage, reason), began, ended, n, later)
                                for system, stage, reason, began, ended, n, later in rows))
    counts: Counter[tuple[int, str, str | None, str]] = Counter()
    for (system, stage, reason, entered_by, left_by), n in bounded.items():
        for period in range(entered_by, min(left_by, grid.periods)):
            counts[(period, system, stage, reason)] += n
    return ordered(ReasonCount(*key, n) for key, n in counts.items())


def sla_trend(c: Connection, grid: PeriodGrid) -> list[SlaCount]:
    """Current clocks and the clocks a lead's next clock ended (`sla_clock_history`), by the period they started in."""
    instants = [datetime.fromtimestamp(edge, UTC) for edge in grid.edges]
    clocks = union_all(*(_clocks_in(table.c, instants) for table in (t.sla_clocks, t.sla_clock_history))).subquery()
    s = clocks.c
    query = select(s.period, s.stage, s.owner_id, s.state, func.count()).group_by(s.period, s.stage, s.owner_id, s.state)
    return ordered(SlaCount(int(p), stage, owner, state, int(n)) for p, stage, owner, state, n in c.execute(query))


def _clocks_in(k: Any, instants: Sequence[datetime]) -> Any:
    period = case(*((k.started_at < at, index) for index, at in enumerate(instants[1:])), else_=len(instants) - 1)
    return (select(period.label("period"), k.stage, k.owner_id, k.state)
            .where(and_(k.started_at >= instants[0], k.started_at < instants[-1])))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
