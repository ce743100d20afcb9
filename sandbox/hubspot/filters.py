"""Compiles search `filterGroups` into predicates over contacts: the 13 operators, typed comparisons (§3)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from functools import reduce
from typing import Any

from .properties import PropertyRegistry
from .store import Contact
from .timestamps import ms_from_text
from .wire import Json, validation_error

Value = float | int | str
Getter = Callable[[Contact], Value | None]
Predicate = Callable[[Contact], bool]

MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 10, 25
_TOKEN_SPLIT = re.compile(r"[^0-9a-z*?]+")
_TIMESTAMPS: dict[str, Callable[[Contact], int]] = {
    "createdate": lambda c: c.created_ms,
    "lastmodifieddate": lambda c: c.modified_ms,
    "hs_lastmodifieddate": lambda c: c.modified_ms,
}


def kind_of(registry: PropertyRegistry, name: str) -> str:
    definition = registry.get(name)
    if definition is None:
        raise validation_error(f"There was a problem with the request: property {name} does not exist")
    if definition.type in ("datetime", "date"):
        return "datetime"
    return "number" if definition.type == "number" else "string"


def getter(registry: PropertyRegistry, name: str) -> Getter:
    """How to read `name` off a contact as a comparable value (None when unset)."""
    if name in _TIMESTAMPS:
        return _TIMESTAMPS[name]
    if name == "hs_object_id":
        return lambda c: c.id
    kind = kind_of(registry, name)
    if kind == "datetime":
        return lambda c: _parsed_ms(c.props.get(name))
    if kind == "number":
        return lambda c: _number(c.props.get(name))
    return lambda c: _folded(c.props.get(name))


def compile_groups(registry: PropertyRegistry, groups: Any) -> Predicate:
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise validation_error("filterGroups must be a list of objects")
    filter_lists = [g.get("filters") or [] for g in groups]
    if (
        len(groups) > MAX_GROUPS
        or any(len(f) > MAX_PER_GROUP for f in filter_lists)
        or (sum(len(f) for f in filter_lists) > MAX_FILTERS)
    ):
        raise validation_error(
            f"Too many filters: at most {MAX_GROUPS} filterGroups, {MAX_PER_GROUP} filters per group "
            f"and {MAX_FILTERS} filters in total"
        )
    compiled = [
        _all_of([compile_filter(registry, f) for f in filters]) for filters in filter_lists if filters
    ]
    return reduce(_either, compiled) if compiled else (lambda contact: True)


def _all_of(tests: list[Predicate]) -> Predicate:
    return reduce(_both, tests)


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda contact: first(contact) and second(contact)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda contact: first(contact) or second(contact)


def compile_filter(registry: PropertyRegistry, raw: Json) -> Predicate:
    name, operator = raw.get("propertyName"), raw.get("operator", "EQ")
    if not isinstance(name, str):
        raise validation_error("A filter needs a propertyName")
    read = getter(registry, name)
    kind = "number" if name == "hs_object_id" else _stored_kind(registry, name)
    builder = _OPERATORS.get(operator)
    if builder is None:
        raise validation_error(f"Unknown filter operator: {operator}")
    return builder(read, raw, kind)


def _stored_kind(registry: PropertyRegistry, name: str) -> str:
    return "datetime" if name in _TIMESTAMPS else kind_of(registry, name)


def operand(raw: Any, kind: str) -> Value:
    """A filter value converted like the property it is compared with (epoch ms or ISO for datetimes)."""
    if raw is None:
        raise validation_error("This filter needs a value")
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    parsed: Value | None
    if kind == "datetime":
        parsed = ms_from_text(text)
    elif kind == "number":
        parsed = _number(text)
    else:
        parsed = text.casefold()
    if parsed is None:
        raise validation_error(f"{text} is not a valid {kind} filter value")
    return parsed


def _compare(test: Callable[[Value, Value], bool]) -> Callable[[Getter, Json, str], Predicate]:
    def build(read: Getter, raw: Json, kind: str) -> Predicate:
        target = operand(raw.get("value"), kind)
        return lambda c: (v := read(c)) is not None and test(v, target)

    return build


def _between(read: Getter, raw: Json, kind: str) -> Predicate:
    low, high = operand(raw.get("value"), kind), operand(raw.get("highValue"), kind)
    return lambda c: (v := read(c)) is not None and low <= v <= high  # type: ignore[operator]


def _membership(negate: bool) -> Callable[[Getter, Json, str], Predicate]:
    def build(read: Getter, raw: Json, kind: str) -> Predicate:
        values = raw.get("values")
        if not isinstance(values, list):
            raise validation_error("IN and NOT_IN need a list of values")
        wanted = {operand(v, kind) for v in values}
        if negate:  # unset values count as "not in" [U]
            return lambda c: (v := read(c)) is None or v not in wanted
        return lambda c: read(c) in wanted

    return build


def _presence(present: bool) -> Callable[[Getter, Json, str], Predicate]:
    return lambda read, raw, kind: lambda c: (read(c) is not None) == present


def _tokens(negate: bool) -> Callable[[Getter, Json, str], Predicate]:
    def build(read: Getter, raw: Json, kind: str) -> Predicate:
        pattern = str(raw.get("value", "")).casefold()
        if not pattern:
            raise validation_error("CONTAINS_TOKEN needs a value")

        def has_token(contact: Contact) -> bool:
            value = read(contact)
            if value is None:
                return False
            text = str(value)
            parts = [text, *_TOKEN_SPLIT.split(text)]
            return any(fnmatch.fnmatchcase(part, pattern) for part in parts if part)

        return (lambda c: not has_token(c)) if negate else has_token

    return build


def _neq(read: Getter, raw: Json, kind: str) -> Predicate:
    target = operand(raw.get("value"), kind)
    return lambda c: read(c) != target  # unset values count as "not equal" [U]


_OPERATORS: dict[str, Callable[[Getter, Json, str], Predicate]] = {
    "EQ": _compare(lambda v, t: v == t),
    "NEQ": _neq,
    "LT": _compare(lambda v, t: v < t),  # type: ignore[operator]
    "LTE": _compare(lambda v, t: v <= t),  # type: ignore[operator]
    "GT": _compare(lambda v, t: v > t),  # type: ignore[operator]
    "GTE": _compare(lambda v, t: v >= t),  # type: ignore[operator]
    "BETWEEN": _between,
    "IN": _membership(negate=False),
    "NOT_IN": _membership(negate=True),
    "HAS_PROPERTY": _presence(True),
    "NOT_HAS_PROPERTY": _presence(False),
    "CONTAINS_TOKEN": _tokens(negate=False),
    "NOT_CONTAINS_TOKEN": _tokens(negate=True),
}


def _parsed_ms(text: str | None) -> int | None:
    return ms_from_text(text) if text else None


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _folded(text: str | None) -> str | None:
    return text.casefold() if text else None
