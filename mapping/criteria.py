"""Entry criteria compiled to plain predicates over canonical fields (evaluated for every lead: kept cheap)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from mapping.definition.models import Condition, CriteriaGroup
from mapping.definition.wording import describe_condition, describe_node
from mapping.fields import CANONICAL_FIELDS, FieldType, Operator

Fields = Mapping[str, Any]
Predicate = Callable[[Fields], bool]

_COMPARE: dict[Operator, Callable[[Any, Any], bool]] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.GT: operator.gt,
    Operator.GTE: operator.ge,
    Operator.LT: operator.lt,
    Operator.LTE: operator.le,
}


def compile_criteria(group: CriteriaGroup | None) -> Predicate:
    """A predicate that holds when the group holds; no criteria always hold."""
    if group is None:
        return lambda fields: True
    required = [_compile_node(node) for node in group.all]
    choices = [_compile_node(node) for node in group.any]

    def holds(fields: Fields) -> bool:
        return all(p(fields) for p in required) and (not choices or any(p(fields) for p in choices))

    return holds


def _compile_node(node: Condition | CriteriaGroup) -> Predicate:
    return compile_criteria(node) if isinstance(node, CriteriaGroup) else compile_condition(node)


def compile_condition(condition: Condition) -> Predicate:
    name, op = condition.field, condition.op
    if op is Operator.PRESENT:
        return lambda fields: fields.get(name) is not None
    if op is Operator.ABSENT:
        return lambda fields: fields.get(name) is None
    if op is Operator.IS_TRUE:
        return lambda fields: fields.get(name) is True
    if op is Operator.IS_FALSE:
        return lambda fields: fields.get(name) is False
    field_type = _declared_type(name)
    if op in (Operator.IN, Operator.NOT_IN):
        members = frozenset(_operand(v, field_type) for v in condition.value)
        wanted = op is Operator.IN
        return lambda fields: fields.get(name) is not None and (fields.get(name) in members) == wanted
    compare, operand = _COMPARE[op], _operand(condition.value, field_type)
    return lambda fields: _safe_compare(compare, fields.get(name), operand)


def _declared_type(name: str) -> FieldType | None:
    """The canonical field's type; None for a name the definition checks would have refused."""
    known = CANONICAL_FIELDS.get(name)
    return known[0] if known else None


def _operand(value: Any, field_type: FieldType | None) -> Any:
    """The written value in the form the normalized field holds: instants in UTC, emails trimmed and lower-cased
    (as normalization stores them); text of any other field is compared as written, `@` or not."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and field_type is FieldType.EMAIL:
        return value.strip().lower()
    return value


def _safe_compare(compare: Callable[[Any, Any], bool], value: Any, operand: Any) -> bool:
    if value is None:
        return False
    try:
        return bool(compare(value, operand))
    except TypeError:
        return False


def conditions_held(group: CriteriaGroup | None, fields: Fields) -> list[str]:
    """The conditions of `group` that hold for `fields`, in plain words (for reasons shown to people)."""
    if group is None:
        return []
    held: list[str] = []
    for node in [*group.all, *group.any]:
        if isinstance(node, CriteriaGroup):
            held += conditions_held(node, fields)
        elif compile_condition(node)(fields):
            held.append(_with_value(node, fields))
    return held


def _with_value(condition: Condition, fields: Fields) -> str:
    words = describe_condition(condition)
    value = fields.get(condition.field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat()
    shown = condition.op in (Operator.GT, Operator.GTE, Operator.LT, Operator.LTE, Operator.PRESENT)
    return f"{words} ({value})" if shown and value is not None else words


def conditions_failing(group: CriteriaGroup | None, fields: Fields) -> list[str]:
    """The parts of `group` that do not hold for `fields`, in plain words (for violation reports)."""
    if group is None:
        return []
    failing = [describe_node(node) for node in group.all if not _compile_node(node)(fields)]
    if group.any and not any(_compile_node(node)(fields) for node in group.any):
        failing.append("at least one of: " + "; or ".join(describe_node(node) for node in group.any))
    return failing
