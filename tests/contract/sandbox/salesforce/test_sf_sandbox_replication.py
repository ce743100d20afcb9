"""Get Updated / Get Deleted through `sf.Lead.updated/deleted`, and `If-Unmodified-Since` on PATCH (reference §3.1, §7.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from simple_salesforce import Salesforce, SalesforceGeneralError, SalesforceMalformedRequest

from sandbox.salesforce import SalesforceSandbox

NO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


def _now() -> datetime:
    return datetime.now(UTC)


def test_updated_lists_ids_changed_in_the_window(sf: Salesforce) -> None:
    created = sf.Lead.create({"LastName": "U", "Company": "C"})["id"]
    result = sf.Lead.updated(_now() - timedelta(hours=1), _now() + timedelta(hours=1))
    assert result["ids"] == [created]
    covered = datetime.strptime(result["latestDateCovered"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert covered <= _now() and covered.second == 0  # never past the current minute, truncated to it
    assert sf.Lead.updated(_now() - timedelta(hours=2), _now() - timedelta(hours=1))["ids"] == []


def test_deleted_lists_deleted_records_with_their_dates(sf: Salesforce) -> None:
    keep = sf.Lead.create({"LastName": "Keep", "Company": "C"})["id"]
    gone = sf.Lead.create({"LastName": "Gone", "Company": "C"})["id"]
    sf.Lead.delete(gone)
    result = sf.Lead.deleted(_now() - timedelta(hours=1), _now() + timedelta(hours=1))
    assert [r["id"] for r in result["deletedRecords"]] == [gone]
    assert result["deletedRecords"][0]["deletedDate"].endswith("+0000")
    assert {"earliestDateAvailable", "latestDateCovered"} <= set(result)
    assert gone not in sf.Lead.updated(_now() - timedelta(hours=1), _now() + timedelta(hours=1))["ids"]
    assert keep in sf.Lead.updated(_now() - timedelta(hours=1), _now() + timedelta(hours=1))["ids"]


@pytest.mark.parametrize(
    ("method", "start", "end"),
    [
        ("updated", timedelta(hours=1), timedelta(hours=1)),  # start == end
        ("updated", timedelta(hours=1), timedelta(hours=2)),  # start after end
        ("updated", timedelta(days=31), timedelta(days=1)),  # older than 30 days
        ("deleted", timedelta(days=16), timedelta(days=1)),  # older than 15 days
    ],
)
def test_bad_windows_are_invalid_replication_date(sf: Salesforce, method: str, start: timedelta,
                                                  end: timedelta) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        getattr(sf.Lead, method)(_now() - start, _now() - end)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_patch_with_if_unmodified_since_after_a_change_is_412_and_writes_nothing(sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "P", "Company": "C"})["id"]
    before_change = format_datetime(_now() - timedelta(minutes=5), usegmt=True)
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.Lead.update(lead_id, {"Status": "Working - Contacted"},
                       headers={"If-Unmodified-Since": before_change, **NO_ASSIGN})
    assert caught.value.status == 412
    assert sf.Lead.get(lead_id)["Status"] == "Open - Not Contacted"
    after_change = format_datetime(_now() + timedelta(minutes=1), usegmt=True)
    assert sf.Lead.update(lead_id, {"Status": "Working - Contacted"},
                          headers={"If-Unmodified-Since": after_change, **NO_ASSIGN}) == 204
    assert sf.Lead.get(lead_id)["Status"] == "Working - Contacted"


def test_unreadable_if_unmodified_since_is_400(sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "P", "Company": "C"})["id"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead_id, {"Status": "Working - Contacted"}, headers={"If-Unmodified-Since": "yesterday"})


def test_seeded_history_stamps_are_replicated(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    stamp = (_now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.load_leads([{"LastName": "Old", "Company": "C", "CreatedDate": stamp}])
    window = sf.Lead.updated(_now() - timedelta(days=3), _now() - timedelta(days=1))
    assert len(window["ids"]) == 1
