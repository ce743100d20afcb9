"""A condition's value is read by the declared type of its field, never guessed from the value itself."""

from __future__ import annotations

from mapping.criteria import compile_condition
from mapping.definition.models import Condition
from mapping.fields import CANONICAL_FIELDS, FieldType, Operator


def test_an_email_field_compares_its_value_as_normalization_stores_emails() -> None:
    assert CANONICAL_FIELDS["email"][0] is FieldType.EMAIL
    holds = compile_condition(Condition(field="email", op=Operator.EQ, value="  Ada@Example.COM "))
    assert holds({"email": "ada@example.com"})


def test_an_email_field_reads_every_member_of_a_list_as_an_email() -> None:
    holds = compile_condition(Condition(field="email", op=Operator.IN, value=["Ada@Example.com", "bob@example.com"]))
    assert holds({"email": "ada@example.com"})
    assert not holds({"email": "carol@example.com"})


def test_a_text_field_is_not_taken_for_an_email_because_its_value_has_an_at_sign() -> None:
    assert CANONICAL_FIELDS["source"][0] is FieldType.TEXT
    holds = compile_condition(Condition(field="source", op=Operator.EQ, value="Partner@Referral"))
    assert holds({"source": "Partner@Referral"})
    assert not holds({"source": "partner@referral"})


def test_a_text_list_with_at_signs_is_compared_as_written() -> None:
    holds = compile_condition(Condition(field="company", op=Operator.NOT_IN, value=["ACME@Home"]))
    assert not holds({"company": "ACME@Home"})
    assert holds({"company": "acme@home"})
