"""REST query over the sandbox's SOQL subset, driven through simple-salesforce's query, query_more and query_all_iter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.salesforce import SalesforceSandbox

from .conftest import lead_rows


@pytest.fixture
def leads(sandbox: SalesforceSandbox) -> SalesforceSandbox:
    sandbox.load_leads(lead_rows(30))
    return sandbox


def _names(sf: Salesforce, where: str) -> list[str]:
    result = sf.query_all(f"SELECT LastName FROM Lead WHERE {where} ORDER BY LastName")
    return [r["LastName"] for r in result["records"]]


def test_query_paging_over_5000_rows_follows_next_records_url(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(5_500))
    first = sf.query("SELECT Id, LastName FROM Lead")
    assert (first["totalSize"], first["done"], len(first["records"])) == (5_500, False, 2_000)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    ids = [r["Id"] for r in sf.query_all_iter("SELECT Id, LastName FROM Lead")]
    assert len(ids) == len(set(ids)) == 5_500
    assert all(len(i) == 18 and i.startswith("00Q") for i in ids)
    assert (sandbox.calls.snapshot()["sf.query"], sandbox.calls.snapshot()["sf.query_more"]) == (2, 2)


def test_batch_size_header_sets_the_page_size(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.load_leads(lead_rows(1_000))
    headers = {"Sforce-Query-Options": "batchSize=300"}
    first = sf.query("SELECT Id FROM Lead", headers=headers)
    assert len(first["records"]) == 300
    page = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True, headers=headers)
    assert len(page["records"]) == 300 and page["totalSize"] == 1_000
    assert len(list(sf.query_all_iter("SELECT Id FROM Lead", headers=headers))) == 1_000


def test_count_returns_total_size_and_no_records(leads: SalesforceSandbox, sf: Salesforce) -> None:
    result = sf.query("SELECT COUNT() FROM Lead WHERE Status = 'Working - Contacted'")
    assert result == {"totalSize": 15, "done": True, "records": []}


def test_records_carry_attributes_parent_fields_and_wire_datetimes(leads: SalesforceSandbox, sf: Salesforce) -> None:
    record = sf.query("SELECT Id, Owner.Name, CreatedDate, IsConverted, ConvertedDate FROM Lead LIMIT 1")["records"][0]
    assert record["attributes"] == {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{record['Id']}"}
    assert record["Owner"]["Name"] == "Integration User"
    assert record["Owner"]["attributes"]["type"] == "User"
    assert datetime.strptime(record["CreatedDate"], "%Y-%m-%dT%H:%M:%S.%f%z").tzinfo is not None
    assert record["CreatedDate"].endswith(".000+0000")
    assert (record["IsConverted"], record["ConvertedDate"]) == (False, None)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'lead00003'", ["Lead00003"]),
        ("LastName != 'Lead00000' AND LastName < 'Lead00003'", ["Lead00001", "Lead00002"]),
        ("LastName >= 'Lead00028'", ["Lead00028", "Lead00029"]),
        ("LastName IN ('Lead00001', 'Lead00004')", ["Lead00001", "Lead00004"]),
        ("LastName NOT IN ('Lead00001') AND LastName <= 'Lead00002'", ["Lead00000", "Lead00002"]),
        ("LastName LIKE 'Lead0002_'", [f"Lead0002{i}" for i in range(10)]),
        ("Email LIKE '%27@%'", ["Lead00027"]),
        ("(LastName = 'Lead00001' OR LastName = 'Lead00002') AND Status = 'Working - Contacted'", ["Lead00001"]),
        ("NOT (LastName > 'Lead00001')", ["Lead00000", "Lead00001"]),
        ("CreatedDate >= 2024-01-28T00:00:00Z", ["Lead00027"]),
        ("CreatedDate < 2024-01-02T05:00:00+05:00", ["Lead00000", "Lead00028"]),
        ("ConvertedDate = null AND LastName = 'Lead00005'", ["Lead00005"]),
        ("IsConverted = false AND LastName = 'Lead00006'", ["Lead00006"]),
    ],
)
def test_where_clause_features(leads: SalesforceSandbox, sf: Salesforce, where: str, expected: list[str]) -> None:
    assert _names(sf, where) == expected


def test_date_literals_against_date_fields(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    today = datetime.now(UTC).date()
    sandbox.load_leads(lead_rows(1, LastActivityDate=today - timedelta(days=3)))
    sandbox.load_leads(lead_rows(1, LastName="Old", LastActivityDate=today - timedelta(days=90)))
    assert _names(sf, "LastActivityDate = LAST_N_DAYS:7") == ["Lead00000"]
    assert _names(sf, f"LastActivityDate < {today - timedelta(days=30)}") == ["Old"]


def test_order_by_limit_offset(leads: SalesforceSandbox, sf: Salesforce) -> None:
    result = sf.query("SELECT LastName FROM Lead ORDER BY Status DESC, LastName ASC NULLS LAST LIMIT 3 OFFSET 1")
    assert [r["LastName"] for r in result["records"]] == ["Lead00003", "Lead00005", "Lead00007"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FRM Lead", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        ("SELECT Foo FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Xyzzy", "INVALID_TYPE"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM LeadHistory WHERE NewValue = 'x'", "INVALID_FIELD"),
    ],
)
def test_bad_queries_are_400_with_salesforce_codes(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == code


def test_query_all_sees_deleted_rows(leads: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    sf.Lead.delete(lead_id)
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 29
    deleted = sf.query_all("SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true", include_deleted=True)
    assert [r["Id"] for r in deleted["records"]] == [lead_id]


def test_other_objects_are_queryable(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "W", "Company": "C"})["id"]
    sandbox.add_tasks([{"WhoId": lead_id, "Subject": "Call", "ActivityDate": "2024-02-03", "Status": "Completed"}])
    sandbox.add_events([{"WhoId": lead_id, "Subject": "Demo", "ActivityDate": "2024-02-05",
                         "StartDateTime": "2024-02-05T10:00:00Z"}])
    sandbox.add_users([{"FirstName": "Ada", "LastName": "L", "Username": "ada@example.com"}])
    task = sf.query(f"SELECT WhoId, Who.Type, IsClosed FROM Task WHERE WhoId = '{lead_id}'")["records"][0]
    assert (task["Who"]["Type"], task["IsClosed"]) == ("Lead", True)
    assert sf.query("SELECT COUNT() FROM Event WHERE StartDateTime > 2024-02-01T00:00:00Z")["totalSize"] == 1
    assert sf.query("SELECT Name FROM User WHERE Username = 'ada@example.com'")["records"][0]["Name"] == "Ada L"
    assert sf.Lead.get(lead_id)["LastActivityDate"] == "2024-02-05"
    statuses = sf.query("SELECT ApiName, IsConverted FROM LeadStatus ORDER BY SortOrder")["records"]
    assert [s["ApiName"] for s in statuses if s["IsConverted"]] == ["Closed - Converted"]


def test_offset_up_to_2000_is_allowed_and_above_is_number_outside_valid_range(leads: SalesforceSandbox,
                                                                              sf: Salesforce) -> None:
    assert sf.query("SELECT Id FROM Lead ORDER BY LastName LIMIT 5 OFFSET 2000")["records"] == []
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Lead ORDER BY LastName LIMIT 5 OFFSET 2001")
    assert caught.value.status == 400
    [error] = caught.value.content
    assert error["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE" and error["message"]


def _who(sf: Salesforce, ids: list[str]) -> list[str]:
    quoted = ", ".join(f"'{i}'" for i in ids)
    return sorted(r["Subject"] for r in sf.query_all(f"SELECT Subject FROM Task WHERE WhoId IN ({quoted})")["records"])


def test_filters_by_id_and_text_find_what_a_scan_finds_through_writes_and_rollbacks(leads: SalesforceSandbox,
                                                                                   sf: Salesforce) -> None:
    """`F = 'x'` and `F IN (…)` are answered from an index (the emulator's speed at a million rows): it follows
    creates, updates and an allOrNone rollback, and compares as the filter does (15- or 18-character ids, any case)."""
    ids = [r["Id"] for r in sf.query_all("SELECT Id FROM Lead ORDER BY LastName")["records"]]
    assert _who(sf, ids[:2]) == []  # the first such query builds the index
    for n, who in enumerate([ids[0], ids[1], ids[0]]):
        sf.Task.create({"WhoId": who, "Subject": f"Call {n}", "Status": "Not Started"})
    assert _who(sf, [ids[0][:15]]) == ["Call 0", "Call 2"] and _who(sf, [ids[1]]) == ["Call 1"]
    moved = sf.query(f"SELECT Id FROM Task WHERE Subject = 'call 2' AND WhoId = '{ids[0]}'")["records"][0]["Id"]
    sf.Task.update(moved, {"WhoId": ids[2]})
    assert (_who(sf, [ids[0]]), _who(sf, [ids[2]])) == (["Call 0"], ["Call 2"])
    body = {"allOrNone": True, "records": [{"attributes": {"type": "Task"}, "id": moved, "WhoId": ids[3]},
                                           {"attributes": {"type": "Task"}, "id": moved[:-3] + "zzz", "Subject": "x"}]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert not any(r["success"] for r in results)  # rolled back: the move to ids[3] did not happen
    assert (_who(sf, [ids[2]]), _who(sf, [ids[3]])) == (["Call 2"], [])
    assert _names(sf, "Email IN ('LEAD7@EXAMPLE.COM', 'nobody@example.com')") == ["Lead00007"]
    sf.Lead.update(ids[7], {"Email": "moved@example.com"})
    assert _names(sf, "Email = 'lead7@example.com'") == [] and _names(sf, "Email = 'Moved@Example.com'") == ["Lead00007"]
