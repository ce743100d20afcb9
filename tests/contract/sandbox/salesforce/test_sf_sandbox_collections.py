"""sObject Collections through `sf.restful`: per-record failures, allOrNone rollback, the 200-record cap."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.runtime import Fault, FaultKind
from sandbox.salesforce import SalesforceSandbox

from .conftest import lead_rows


def _ids(sandbox: SalesforceSandbox, sf: Salesforce, count: int) -> list[str]:
    sandbox.load_leads(lead_rows(count))
    return [r["Id"] for r in sf.query("SELECT Id FROM Lead ORDER BY LastName")["records"]]


def _update(sf: Salesforce, records: list[dict[str, object]], all_or_none: bool) -> list[dict[str, object]]:
    body = {"allOrNone": all_or_none, "records": [{"attributes": {"type": "Lead"}} | r for r in records]}
    return sf.restful("composite/sobjects", method="PATCH", json=body, headers={"Sforce-Auto-Assign": "FALSE"})


def test_update_with_a_failing_record_keeps_the_others(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    a, b, c = _ids(sandbox, sf, 3)
    results = _update(sf, [{"id": a, "Status": "Closed - Not Converted"}, {"id": b, "IsConverted": True},
                           {"id": c, "Status": "Closed - Not Converted"}], all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert sf.Lead.get(a)["Status"] == sf.Lead.get(c)["Status"] == "Closed - Not Converted"


def test_all_or_none_rolls_everything_back(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    a, b = _ids(sandbox, sf, 2)
    before = sf.Lead.get(a)
    results = _update(sf, [{"id": a, "Status": "Closed - Not Converted"}, {"id": b, "IsConverted": True}], all_or_none=True)
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    after = sf.Lead.get(a)
    assert (after["Status"], after["SystemModstamp"]) == (before["Status"], before["SystemModstamp"])
    assert sf.query("SELECT COUNT() FROM LeadHistory")["totalSize"] == 0


def test_create_many_and_delete_many(sf: Salesforce) -> None:
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Lead"}, "LastName": "N", "Company": "C"},
                                            {"attributes": {"type": "Lead"}, "LastName": "NoCompany"}]}
    results = sf.restful("composite/sobjects", method="POST", json=body)
    assert [r["success"] for r in results] == [True, False]
    assert "id" not in results[1]
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": results[0]["id"], "allOrNone": "false"})
    assert deleted[0]["success"] is True


def test_more_than_200_records_is_exceeded_id_limit(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    ids = _ids(sandbox, sf, 201)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _update(sf, [{"id": i, "Status": "Working - Contacted"} for i in ids], all_or_none=False)
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_row_lock_on_chosen_records(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    a, b, c = _ids(sandbox, sf, 3)
    sandbox.inject(Fault("sf.collections.update", FaultKind.ROW_LOCK, nth=1, record_ids=frozenset({b})))
    results = _update(sf, [{"id": i, "Status": "Closed - Not Converted"} for i in (a, b, c)], all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    again = _update(sf, [{"id": b, "Status": "Closed - Not Converted"}], all_or_none=False)
    assert again[0]["success"] is True


def test_partial_failure_fault_fails_every_other_record(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    ids = _ids(sandbox, sf, 4)
    sandbox.inject(Fault("sf.collections.*", FaultKind.PARTIAL_FAILURE, nth=1))
    results = _update(sf, [{"id": i, "Status": "Closed - Not Converted"} for i in ids], all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True, False]
