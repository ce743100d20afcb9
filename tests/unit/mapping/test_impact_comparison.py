"""The pure comparison behind `definitions impact`: funnel order, what counts as a key rename, one id per person."""

from __future__ import annotations

import re

from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.definition.parse import parse_definition
from mapping.impact import LeadOutcome, Replayed, compare, funnel_order, salesforce_id18, stage_renames
from tests.factories import DEFAULT, EXAMPLE, compiled, sources

DEFINITION_FILES = ("lifecycle.yaml", "salesforce.yaml", "hubspot.yaml")


def _edited(*edits: tuple[str, str]) -> CompiledDefinition:
    """The default definition with regex edits (pattern, replacement) applied to every file that names stages."""
    texts = sources(DEFAULT)
    for pattern, replacement in edits:
        texts = {name: re.sub(pattern, replacement, text) if name in DEFINITION_FILES else text
                 for name, text in texts.items()}
    return compile_definition(parse_definition(texts))


RENAME_MQL = (r"\bmql\b", "marketing_qualified")
RENAME_RECYCLED = (r"\brecycled\b", "nurture")


class TestFunnelOrder:
    def test_funnel_order_is_the_ladder_by_rank_then_side_stages_then_none(self) -> None:
        assert funnel_order(compiled()) == ("inquiry", "mql", "sal", "sql", "opportunity", "customer",
                                            "recycled", "disqualified", "(none)")

    def test_the_matrix_of_another_vocabulary_follows_each_definitions_own_order(self) -> None:
        old = Replayed({("salesforce", "00Q000000000000001"): LeadOutcome("sal"),
                        ("salesforce", "00Q000000000000002"): LeadOutcome("inquiry"),
                        ("hubspot", "501"): LeadOutcome(None)})
        new = Replayed({key: LeadOutcome(stage) for key, stage in zip(
            old.outcomes, ("hot", "raw", None), strict=True)})

        rows = compare(old, new, compiled(), compiled(EXAMPLE)).as_dict()["transition_matrix"]

        assert [(r["from"], r["to"]) for r in rows] == [("inquiry", "raw"), ("sal", "hot"), ("(none)", "(none)")]


class TestRenames:
    def test_a_key_renamed_with_the_same_rank_values_and_criteria_is_a_rename(self) -> None:
        assert stage_renames(compiled(), _edited(RENAME_MQL)) == {"mql": "marketing_qualified"}

    def test_a_side_stage_renamed_alongside_a_ladder_stage_it_refers_to_is_a_rename(self) -> None:
        assert stage_renames(compiled(), _edited(RENAME_MQL, RENAME_RECYCLED)) == {
            "mql": "marketing_qualified", "recycled": "nurture"}

    def test_a_renamed_key_that_writes_another_value_is_not_a_rename(self) -> None:
        assert stage_renames(compiled(), _edited(RENAME_MQL, ("Marketing Qualified", "MQL Approved"))) == {}

    def test_a_renamed_key_with_other_criteria_is_not_a_rename(self) -> None:
        stricter = (r"\{ field: score, op: gte, value: 50 \}", "{ field: score, op: gte, value: 70 }")
        assert stage_renames(compiled(), _edited(RENAME_MQL, stricter)) == {}

    def test_the_same_definition_has_no_renames(self) -> None:
        assert stage_renames(compiled(), compiled()) == {}

    def test_leads_at_a_renamed_key_are_not_counted_as_changed(self) -> None:
        key = ("salesforce", "00Q000000000000001")
        old = Replayed({key: LeadOutcome("mql", ("salesforce",), "on_track")})
        new = Replayed({key: LeadOutcome("marketing_qualified", ("salesforce",), "on_track")})

        impact = compare(old, new, compiled(), _edited(RENAME_MQL))

        assert impact.changed == [] and impact.stage_changed == [] and impact.renamed == [key]
        assert impact.as_dict()["renames"] == [{"from": "mql", "to": "marketing_qualified", "leads": 1,
                                                "changed_otherwise": 0}]


class TestOneIdPerPerson:
    def test_a_15_character_salesforce_id_gains_its_case_safe_suffix(self) -> None:
        assert salesforce_id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
        assert salesforce_id18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
        assert salesforce_id18("501") == "501"

    def test_a_hubspot_record_linked_to_a_known_lead_is_told_under_the_leads_id(self) -> None:
        lead = ("salesforce", "001A0000006Vm9rIAC")
        old = Replayed({lead: LeadOutcome("inquiry"), ("hubspot", "501"): LeadOutcome("mql")},
                       {("hubspot", "501"): ("salesforce", "001A0000006Vm9r")})
        new = Replayed({lead: LeadOutcome("inquiry"), ("hubspot", "501"): LeadOutcome("mql", violation=True)})

        impact = compare(old, new, compiled(), compiled())

        assert impact.leads == 1 and impact.new_violations == [lead] and impact.changed == [lead]

    def test_a_link_to_a_lead_no_replay_knows_keeps_the_hubspot_id(self) -> None:
        contact = ("hubspot", "501")
        old = Replayed({contact: LeadOutcome("mql")}, {contact: ("salesforce", "001A0000006Vm9r")})
        new = Replayed({contact: LeadOutcome("inquiry")})

        assert compare(old, new, compiled(), compiled()).changed == [contact]
