"""Compiles a SOQL WHERE tree into a Python predicate over stored rows (SOQL's null and case rules)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from .schema import FieldSpec
from .soql import BoolOp, Comparison, Condition, FieldRef, Literal, Not, SoqlError
from .store import Getter, Row
from .wire import format_datetime, now_utc, parse_datetime

Predicate = Callable[[Row], bool]
FieldLookup = Callable[[FieldRef], tuple[Getter, FieldSpec]]
_NUMERIC = frozenset({"int", "double", "currency", "percent"})
_TEXT = frozenset({"string", "picklist", "email", "phone", "textarea", "url", "anyType", "id", "reference"})


def compile_condition(cond: Condition, lookup: FieldLookup) -> Predicate:
    if isinstance(cond, BoolOp):
        parts = [compile_condition(item, lookup) for item in cond.items]
        if cond.op == "AND":
            return lambda row: all(part(row) for part in parts)
        return lambda row: any(part(row) for part in parts)
    if isinstance(cond, Not):
        inner = compile_condition(cond.item, lookup)
        return lambda row: not inner(row)
    return _comparison(cond, lookup)


def narrowing(cond: Condition, lookup: FieldLookup) -> tuple[str, Callable[[object], object], frozenset[object]] | None:
    """A field every matching row has one of a few values in (`F = 'x'`, `F IN (…)`, alone or ANDed): its name, how
    the filter compares it, and the values, so rows can be found by an index (`Table.lookup`) instead of a scan.
    None when the condition has no such part (only text and id fields, with text values, qualify)."""
    parts = cond.items if isinstance(cond, BoolOp) and cond.op == "AND" else (cond,)
    for part in parts:
        if not isinstance(part, Comparison) or part.op not in ("=", "IN") or len(part.field.path) != 1:
            continue
        _, spec = lookup(part.field)
        if spec.type in _TEXT and all(lit.kind == "string" for lit in part.values):
            return spec.name, _normalizer(spec), frozenset(_bind_literal(lit, spec, part.field) for lit in part.values)
    return None


def _comparison(cmp: Comparison, lookup: FieldLookup) -> Predicate:
    getter, spec = lookup(cmp.field)
    if cmp.op == "LIKE":
        return _like(getter, str(cmp.values[0].value))
    if len(cmp.values) == 1 and cmp.values[0].kind == "relative" and cmp.op not in ("IN", "NOT IN"):
        start, end = _relative_range(cmp.values[0], spec)
        return _range_compare(getter, cmp.op, start, end)
    values = [_bind_literal(lit, spec, cmp.field) for lit in cmp.values]
    norm = _normalizer(spec)
    if cmp.op in ("IN", "NOT IN"):
        wanted = frozenset(values)
        negate = cmp.op == "NOT IN"
        return lambda row: (norm(getter(row)) in wanted) != negate
    return _scalar(getter, norm, cmp.op, values[0])


def _normalizer(spec: FieldSpec) -> Callable[[object], object]:
    if spec.type in ("id", "reference"):
        return lambda v: v[:15] if isinstance(v, str) else v
    if spec.type in _TEXT:
        return lambda v: v.casefold() if isinstance(v, str) else v
    return lambda v: v


def _scalar(getter: Getter, norm: Callable[[object], object], op: str, wanted: object) -> Predicate:
    if op == "=":
        return lambda row: norm(getter(row)) == wanted
    if op == "!=":
        return lambda row: norm(getter(row)) != wanted
    if wanted is None:
        return lambda row: False
    compare = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[
        op
    ]

    def predicate(row: Row) -> bool:
        value = norm(getter(row))
        return value is not None and bool(compare(value, wanted))

    return predicate


def _like(getter: Getter, pattern: str) -> Predicate:
    regex = re.compile(_like_regex(pattern), re.IGNORECASE | re.DOTALL)
    return lambda row: isinstance(value := getter(row), str) and regex.fullmatch(value) is not None


def _like_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "%_":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "".join(out)


def _type_error(ref: FieldRef, spec: FieldSpec) -> SoqlError:
    kind = {"datetime": "dateTime", "date": "date", "boolean": "boolean"}.get(spec.type, spec.type)
    message = f"value of filter criterion for field '{spec.name}' must be of type {kind} and should not be enclosed in quotes"
    return SoqlError("INVALID_FIELD", message if spec.type != "string" else f"invalid value for field '{ref.dotted}'")


def _bind_literal(lit: Literal, spec: FieldSpec, ref: FieldRef) -> object:
    """The literal as a stored value would look after normalisation; type mismatches are query errors."""
    if lit.kind == "null":
        return None
    expected = {"datetime": "datetime", "date": "date", "boolean": "boolean"}.get(spec.type)
    if expected is None:
        expected = "number" if spec.type in _NUMERIC else "string"
    if lit.kind != expected:
        raise _type_error(ref, spec)
    if lit.kind == "datetime":
        return format_datetime(parse_datetime(str(lit.value)))
    if lit.kind == "string":
        text = str(lit.value)
        return text[:15] if spec.type in ("id", "reference") else text.casefold()
    return lit.value


def _range_compare(getter: Getter, op: str, start: str, end: str) -> Predicate:
    def inside(value: object) -> bool:
        return isinstance(value, str) and start <= value < end

    tests: dict[str, Callable[[object], bool]] = {
        "=": inside,
        "!=": lambda v: not inside(v),
        "<": lambda v: isinstance(v, str) and v < start,
        "<=": lambda v: isinstance(v, str) and v < end,
        ">": lambda v: isinstance(v, str) and v >= end,
        ">=": lambda v: isinstance(v, str) and v >= start,
    }
    test = tests[op]
    return lambda row: test(getter(row))


def _relative_range(lit: Literal, spec: FieldSpec) -> tuple[str, str]:
    """[start, end) of a relative date literal in the org's time zone (UTC here), as stored strings."""
    if spec.type not in ("date", "datetime"):
        raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{spec.name}' must be of type {spec.type}")
    word, n = cast(tuple[str, int], lit.value)  # a relative literal's value is (name, n)
    first, last = _day_span(str(word), int(n), now_utc().date())
    if spec.type == "date":
        return first.isoformat(), last.isoformat()
    as_dt = lambda d: format_datetime(datetime.combine(d, time(), tzinfo=UTC))
    return as_dt(first), as_dt(last)


def _day_span(word: str, n: int, today: date) -> tuple[date, date]:
    day = timedelta(days=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)
    month_start = today.replace(day=1)
    spans: dict[str, Callable[[], tuple[date, date]]] = {
        "TODAY": lambda: (today, today + day),
        "YESTERDAY": lambda: (today - day, today),
        "TOMORROW": lambda: (today + day, today + 2 * day),
        "LAST_N_DAYS": lambda: (today - n * day, today + day),
        "NEXT_N_DAYS": lambda: (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": lambda: (today - n * day, today - (n - 1) * day),
        "THIS_WEEK": lambda: (week_start, week_start + 7 * day),
        "LAST_WEEK": lambda: (week_start - 7 * day, week_start),
        "THIS_MONTH": lambda: (month_start, _next_month(month_start)),
        "LAST_MONTH": lambda: (_previous_month(month_start), month_start),
        "THIS_YEAR": lambda: (today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)),
    }
    if word not in spans:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{word}'")
    return spans[word]()


def _next_month(first: date) -> date:
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)


def _previous_month(first: date) -> date:
    return first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)
