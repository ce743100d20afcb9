"""The definition in plain words: conditions, criteria, durations and SLAs as a person reads them."""

from __future__ import annotations

from mapping.definition.models import Condition, CriteriaGroup
from mapping.fields import CANONICAL_FIELDS, OPERATOR_WORDS, VALUELESS_OPERATORS, Operator

_SYSTEM_TITLES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


def describe_condition(condition: Condition) -> str:
    """`{field: score, op: gte, value: 50}` -> 'lead score ≥ 50'."""
    subject = CANONICAL_FIELDS.get(condition.field, (None, condition.field))[1]
    words = OPERATOR_WORDS[condition.op]
    if condition.op is Operator.IS_TRUE:
        return subject
    if condition.op is Operator.IS_FALSE:
        return f"not {subject}"
    if condition.op in VALUELESS_OPERATORS:
        return f"{subject} {words}"
    value = condition.value
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return f"{subject} {words} {shown}"


def describe_criteria(group: CriteriaGroup | None) -> list[str]:
    """Criteria as sentences a person can check: one line per 'all' condition, one for the 'any' choice."""
    if group is None:
        return []
    lines = [describe_node(node) for node in group.all]
    if group.any:
        lines.append("at least one of: " + "; or ".join(describe_node(node) for node in group.any))
    return lines


def describe_node(node: Condition | CriteriaGroup) -> str:
    if isinstance(node, Condition):
        return describe_condition(node)
    return "(" + " and ".join(describe_criteria(node)) + ")"


def describe_duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts) or f"{int(seconds)} s"
