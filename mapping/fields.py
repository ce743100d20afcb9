"""The canonical lead fields every system maps onto, their types, and which criteria operators each type takes.

These are vocabulary of the *product* (email, score, owner), not of any organisation's funnel: stage names live
only in `definitions/`.
"""

from __future__ import annotations

from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    NUMBER = "number"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NOT_IN = "not_in"
    PRESENT = "present"
    ABSENT = "absent"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"


# Canonical field -> (type, what it means). `email_valid` is derived by normalization, never mapped.
CANONICAL_FIELDS: dict[str, tuple[FieldType, str]] = {
    "email": (FieldType.EMAIL, "email address"),
    "email_valid": (FieldType.BOOLEAN, "email address is valid"),
    "first_name": (FieldType.TEXT, "first name"),
    "last_name": (FieldType.TEXT, "last name"),
    "company": (FieldType.TEXT, "company"),
    "title": (FieldType.TEXT, "job title"),
    "score": (FieldType.NUMBER, "lead score"),
    "owner_id": (FieldType.TEXT, "owner"),
    "source": (FieldType.TEXT, "lead source"),
    "budget": (FieldType.TEXT, "budget (BANT)"),
    "authority": (FieldType.TEXT, "authority (BANT)"),
    "need": (FieldType.TEXT, "need (BANT)"),
    "timeline": (FieldType.TEXT, "timeline (BANT)"),
    "created_at": (FieldType.DATETIME, "created"),
    "modified_at": (FieldType.DATETIME, "last modified"),
    "stage_entered_at": (FieldType.DATETIME, "entered the current stage"),
    "last_worked_at": (FieldType.DATETIME, "last worked by sales (call, email, meeting, task)"),
    "first_worked_at": (FieldType.DATETIME, "first worked by the current owner"),
    "last_engagement_at": (FieldType.DATETIME, "last engagement by the person (form fill, reply, visit)"),
    "converted": (FieldType.BOOLEAN, "converted in the CRM"),
    "converted_at": (FieldType.DATETIME, "converted"),
    "crm_lead_id": (FieldType.TEXT, "the CRM lead this record is linked to"),
    "locked": (FieldType.BOOLEAN, "locked against automatic correction"),
}

DERIVED_FIELDS = frozenset({"email_valid"})

_ANY = {Operator.PRESENT, Operator.ABSENT}
_ORDERED = {Operator.EQ, Operator.NE, Operator.GT, Operator.GTE, Operator.LT, Operator.LTE}
OPERATORS_BY_TYPE: dict[FieldType, frozenset[Operator]] = {
    FieldType.TEXT: frozenset(_ANY | {Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN}),
    FieldType.EMAIL: frozenset(_ANY | {Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN}),
    FieldType.NUMBER: frozenset(_ANY | _ORDERED),
    FieldType.DATETIME: frozenset(_ANY | _ORDERED),
    FieldType.BOOLEAN: frozenset(_ANY | {Operator.IS_TRUE, Operator.IS_FALSE}),
}

# Operators that compare against no value, one value, or a list of values.
VALUELESS_OPERATORS = frozenset({Operator.PRESENT, Operator.ABSENT, Operator.IS_TRUE, Operator.IS_FALSE})
LIST_OPERATORS = frozenset({Operator.IN, Operator.NOT_IN})

OPERATOR_WORDS: dict[Operator, str] = {
    Operator.EQ: "is",
    Operator.NE: "is not",
    Operator.GT: ">",
    Operator.GTE: "≥",
    Operator.LT: "<",
    Operator.LTE: "≤",
    Operator.IN: "is one of",
    Operator.NOT_IN: "is none of",
    Operator.PRESENT: "is filled in",
    Operator.ABSENT: "is empty",
    Operator.IS_TRUE: "is true",
    Operator.IS_FALSE: "is false",
}
