"""Normalization of raw vendor records: formats, history, and garbage that never raises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.normalize import hubspot_history_properties, normalize_hubspot, normalize_salesforce
from mapping.records import ProblemKind
from tests.factories import at, compiled, hs_contact, sf_lead

DEFAULT = compiled()


class TestSalesforceShapes:
    def test_rest_record_is_typed_and_utc(self) -> None:
        record, history = sf_lead(status="Working - Contacted", email=" Ada@Example.COM ", entered=at(6, 14))
        lead = normalize_salesforce(record, DEFAULT, history=history)

        assert lead.email == "ada@example.com" and lead.email_valid
        assert lead.stage == "sal" and lead.stage_values == {"Status": "Working - Contacted"}
        assert lead.fields["created_at"] == at(1)
        assert lead.stage_entered_at == at(6, 14)
        assert lead.problems == ()

    def test_bulk_csv_strings_are_parsed(self) -> None:
        row = {"Id": "00Q000000000009AAA", "Status": "Marketing Qualified", "Email": "b@example.com",
               "IsConverted": "false", "Leadsync_Lock__c": "true", "CreatedDate": "2026-11-02T08:00:00.000Z",
               "ConvertedDate": "2026-11-03", "OwnerId": ""}
        lead = normalize_salesforce(row, DEFAULT)

        assert lead.converted is False and lead.locked is True
        assert lead.fields["owner_id"] is None
        assert lead.fields["converted_at"] == datetime(2026, 11, 3, tzinfo=UTC)
        assert "converted_at" in lead.date_only

    def test_history_replay_gives_the_last_entry_into_the_current_stage(self) -> None:
        record, _ = sf_lead(status="Marketing Qualified")
        rows = [
            {"Field": "Status", "NewValue": "Open - Not Contacted", "CreatedDate": "2026-11-01T10:00:00.000+0000"},
            {"Field": "Status", "NewValue": "Marketing Qualified", "CreatedDate": "2026-11-03T10:00:00.000+0000"},
            {"Field": "Status", "NewValue": "Recycled", "CreatedDate": "2026-11-05T10:00:00.000+0000"},
            {"Field": "Status", "NewValue": "Marketing Qualified", "CreatedDate": "2026-11-07T10:00:00.000+0000"},
            {"Field": "OwnerId", "NewValue": "005x", "CreatedDate": "2026-11-08T10:00:00.000+0000"},
        ]
        lead = normalize_salesforce(record, DEFAULT, history=rows)

        assert [e.stage for e in lead.history] == ["inquiry", "mql", "recycled", "mql"]
        assert lead.stage_entered_at == at(7, 10)

    def test_history_that_disagrees_with_the_record_gives_no_entry_time(self) -> None:
        record, _ = sf_lead(status="Sales Accepted")
        rows = [{"Field": "Status", "NewValue": "Marketing Qualified", "CreatedDate": "2026-11-03T10:00:00.000+0000"}]

        assert normalize_salesforce(record, DEFAULT, history=rows).stage_entered_at is None

    def test_related_fields_are_read_nested_or_flat(self) -> None:
        definition = compiled()
        nested = normalize_salesforce({"Id": "1", "Owner": {"Name": "Grace"}}, definition)
        assert nested.record_id == "1"  # mapping has no Owner.Name by default: nothing breaks

    def test_activities_are_work_instants(self) -> None:
        record, _ = sf_lead(status="Marketing Qualified")
        lead = normalize_salesforce(record, DEFAULT, activities=[{"CreatedDate": "2026-11-04T09:30:00.000+0000"},
                                                                 {"CreatedDate": None}])
        assert lead.work == (datetime(2026, 11, 4, 9, 30, tzinfo=UTC),)


class TestHubSpotShapes:
    def test_entered_dates_and_property_history_build_the_timeline(self) -> None:
        contact = hs_contact(lifecycle="marketingqualifiedlead", entered=at(4), lead_status="IN_PROGRESS",
                             status_changed=at(6), hs_v2_date_entered_lead="2026-11-01T12:00:00Z")
        lead = normalize_hubspot(contact, DEFAULT)

        assert lead.stage == "sal"  # the sales-owned lead status outranks the lifecycle stage
        assert [(e.stage, e.at) for e in lead.history] == [("inquiry", at(1)), ("mql", at(4)), ("sal", at(6))]
        assert lead.stage_entered_at == at(6)

    def test_epoch_milliseconds_are_accepted(self) -> None:
        contact = hs_contact(lifecycle="lead", notes_last_contacted="1763553600000")
        lead = normalize_hubspot(contact, DEFAULT)
        assert lead.fields["last_worked_at"] == datetime(2025, 11, 19, 12, tzinfo=UTC)

    def test_history_properties_to_fetch_follow_the_read_map(self) -> None:
        names = hubspot_history_properties(DEFAULT)
        assert "hs_v2_date_entered_marketingqualifiedlead" in names and len(names) == 8


class TestGarbageIsQuarantinedNotRaised:
    def test_each_bad_value_becomes_a_typed_problem(self) -> None:
        contact = hs_contact(lifecycle="Lifecycle?", email="x" * 5000, lead_status="NEW", score="7x",
                             createdate="not a date", firstname="y" * 100_000)
        lead = normalize_hubspot(contact, DEFAULT)

        kinds = {p.kind for p in lead.problems}
        assert kinds == {ProblemKind.INVALID_EMAIL, ProblemKind.UNPARSEABLE_NUMBER, ProblemKind.UNPARSEABLE_DATETIME,
                         ProblemKind.OVERSIZED_VALUE, ProblemKind.UNMAPPED_STAGE}
        assert all(len(p.raw or "") <= 81 for p in lead.problems)
        assert lead.fields["first_name"] is None and lead.stage is None

    def test_missing_email_is_a_problem_not_an_error(self) -> None:
        lead = normalize_salesforce({"Id": "00Q1", "Status": "Open - Not Contacted"}, DEFAULT)
        assert lead.email is None and not lead.email_valid
        assert ProblemKind.MISSING_EMAIL in {p.kind for p in lead.problems}

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.sampled_from(["Id", "Status", "Email", "IsConverted", "CreatedDate", "OwnerId",
                                            "LastActivityDate", "Leadsync_Lock__c", "Budget__c"]),
                           st.none() | st.text(max_size=50) | st.integers() | st.floats() | st.booleans()
                           | st.lists(st.integers(), max_size=2)))
    def test_any_salesforce_values_normalize_without_raising(self, record: dict[str, Any]) -> None:
        lead = normalize_salesforce(record, DEFAULT)
        assert lead.system == "salesforce"

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.sampled_from(["email", "lifecyclestage", "hs_lead_status", "hubspotscore", "createdate",
                                            "hs_v2_date_entered_lead", "salesforceleadid"]),
                           st.none() | st.text(max_size=50) | st.integers() | st.floats() | st.booleans()),
           st.none() | st.dictionaries(st.sampled_from(["lifecyclestage", "hs_lead_status"]),
                                       st.lists(st.dictionaries(st.sampled_from(["value", "timestamp"]),
                                                                st.none() | st.text(max_size=30)), max_size=3)))
    def test_any_hubspot_values_normalize_without_raising(self, properties: dict[str, Any], history: Any) -> None:
        contact: dict[str, Any] = {"id": "1", "properties": properties}
        if history is not None:
            contact["propertiesWithHistory"] = history
        lead = normalize_hubspot(contact, DEFAULT)
        assert lead.system == "hubspot"
