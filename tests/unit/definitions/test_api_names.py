"""Raw field names in a definition are API names: what each system accepts, and what could alter a query."""

from __future__ import annotations

import pytest

from mapping.definition.api_names import api_name_problem, is_api_name

SALESFORCE_NAMES = ["Status", "Email", "Budget__c", "Leadsync_Lock__c", "pi__score__c", "Owner.Name", "Account__r.Name",
                    "Location__Latitude__s", "Field_2__c", "X1"]
HUBSPOT_NAMES = ["email", "hs_lead_status", "hubspotscore", "hs_v2_date_entered_1234567", "leadsync_sla_due"]
NOT_NAMES = ["Company FROM Lead WHERE Id != null) --", "Email, Id", "Status'", "Lead Status", "", "1Status", "_Status",
             "Status_", "Budget___c", "Owner..Name", "Owner.Name.Manager.Id", "Status\n", "Stätus", "Email;", "a.b."]


@pytest.mark.parametrize("name", SALESFORCE_NAMES)
def test_salesforce_api_names_are_accepted(name: str) -> None:
    assert is_api_name("salesforce", name) and api_name_problem("salesforce", name) is None


@pytest.mark.parametrize("name", HUBSPOT_NAMES)
def test_hubspot_internal_names_are_accepted(name: str) -> None:
    assert is_api_name("hubspot", name)


@pytest.mark.parametrize("name", NOT_NAMES)
def test_anything_that_could_change_a_query_is_refused_by_both_systems(name: str) -> None:
    assert not is_api_name("salesforce", name) and not is_api_name("hubspot", name)
    assert repr(name) in (api_name_problem("salesforce", name) or "")


@pytest.mark.parametrize("name", ["HubSpotScore", "hs-lead-status", "Owner.Name", "lead status"])
def test_hubspot_names_are_lower_case_without_dots_or_dashes(name: str) -> None:
    assert "internal name" in (api_name_problem("hubspot", name) or "")
