"""Metadata SOAP via `sf.mdapi` (zeep): read the LeadStatus StandardValueSet and update it with a new value."""

from __future__ import annotations

import pytest
import zeep.exceptions
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceSandbox


def test_read_lead_status_value_set(sf: Salesforce) -> None:
    value_set = sf.mdapi.StandardValueSet.read("LeadStatus")
    assert value_set.fullName == "LeadStatus"
    names = [(v.fullName, v.default, v.converted) for v in value_set.standardValue]
    assert names[0] == ("Open - Not Contacted", True, False)
    assert ("Closed - Converted", False, True) in names


def test_update_adds_a_value_and_keeps_the_existing_ones(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    value_set = sf.mdapi.StandardValueSet.read("LeadStatus")
    value_set.standardValue.append(
        sf.mdapi.StandardValue(fullName="Nurturing", label="Nurturing", default=False, converted=False)
    )
    sf.mdapi.StandardValueSet.update([value_set])
    statuses = [r["ApiName"] for r in sf.query("SELECT ApiName FROM LeadStatus ORDER BY SortOrder")["records"]]
    assert statuses == ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted",
                        "Nurturing"]
    status = next(f for f in sf.Lead.describe()["fields"] if f["name"] == "Status")
    assert "Nurturing" in [v["value"] for v in status["picklistValues"]]
    assert sandbox.calls.snapshot()["sf.metadata.update"] == 1


def test_omitted_values_become_inactive_not_deleted(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    value_set = sf.mdapi.StandardValueSet.read("LeadStatus")
    value_set.standardValue = value_set.standardValue[:3]
    sf.mdapi.StandardValueSet.upsert([value_set])
    assert [(v.full_name, v.active) for v in sandbox.lead_statuses()][-1] == ("Closed - Not Converted", False)
    again = sf.mdapi.StandardValueSet.read("LeadStatus")
    assert [v.isActive for v in again.standardValue][-1] is False


def test_duplicate_values_are_a_component_error(sf: Salesforce) -> None:
    value_set = sf.mdapi.StandardValueSet.read("LeadStatus")
    value_set.standardValue.append(value_set.standardValue[0])
    with pytest.raises(Exception, match="DUPLICATE_VALUE"):
        sf.mdapi.StandardValueSet.update([value_set])


def test_unknown_value_set_reads_as_an_empty_record(sf: Salesforce) -> None:
    assert sf.mdapi.StandardValueSet.read("NoSuchSet").fullName is None


def test_bad_session_is_a_soap_fault(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.expire_sessions()
    with pytest.raises(zeep.exceptions.Fault) as caught:
        sf.mdapi.StandardValueSet.read("LeadStatus")
    assert caught.value.code == "sf:INVALID_SESSION_ID"
