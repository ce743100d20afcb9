"""Scenario 9: dates the business calendar cannot handle.

One HubSpot `hs_v2_date_entered_*` of 0001-01-01 once made the planner raise ("instants must lie in the years
1900-2199") and failed the whole run. A seeded sandbox gets leads and contacts in an SLA stage carrying such dates in
every date field a run reads (Lead CreatedDate and ConvertedDate, LeadHistory and Task CreatedDate; contact
createdate, hs_v2_date_entered_*, notes_last_contacted, hs_sa_first_engagement_date). The plan and the sync must
finish, every such value must be quarantined as UNPARSEABLE_DATETIME with its record and field, the odd records still
get an SLA clock, and the ordinary records end exactly as in the same world without the odd ones (zero lost).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from table import Row
from world import SEEDED_AT, World, against_reference, differences

from flows.runs.sync import RunReport

ODD_DATES = ("0001-01-01T00:00:00.000+0000", "9999-12-31T23:59:59.000+0000", "1899-12-31T23:00:00.000+0000",
             "2999-06-01T00:00:00.000+0000")
SF_ID = "00Q9{:011d}ZZZ"
HS_ID = 9_700_000


def run(full: bool) -> list[Row]:
    leads, odd = (1_500, 40) if full else (300, 8)
    return [against_reference("leadsync-dates-", leads, lambda w, reference: _extreme_dates(w, reference, odd))]


def _extreme_dates(w: World, reference: dict[str, Any], odd: int) -> Row:
    started = time.monotonic()
    expected = _seed_odd_records(w, odd)
    figures: dict[str, Any] = {"odd_values": len(expected), "crashes": 0}
    try:
        plan, synced = w.plan(), w.sync()
    except Exception as exc:  # noqa: BLE001  (a crash of the run is what this row hunts for)
        figures.update(crashes=1, s=round(time.monotonic() - started, 1))
        return Row("9 extreme dates", False, figures, f"{type(exc).__name__}: {str(exc)[:200]}")
    reported = {(q.system, q.record_id, q.field) for q in plan.quarantined if q.code == "UNPARSEABLE_DATETIME"}
    odd_ids = {record_id for _, record_id, _ in expected}
    figures.update(plan=plan.status, sync=synced.status, quarantined=len(reported & expected),
                   unreported=len(expected - reported), odd_clocks=len({e.record_id for e in plan.sla} & odd_ids),
                   lost=differences(reference, _ordinary(w.final_state(), reference)),
                   s=round(time.monotonic() - started, 1))
    passed = (plan.status == "dry_run" and synced.status == "succeeded" and not expected - reported
              and figures["odd_clocks"] == 2 * odd and figures["lost"] == 0 and _findings_name_them(synced, expected))
    return Row("9 extreme dates", passed, figures)


def _seed_odd_records(w: World, count: int) -> set[tuple[str, str, str]]:
    """`count` leads and `count` contacts at MQL with odd dates; returns every (system, record, field) to report."""
    stamp = SEEDED_AT.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    hs_stamp = SEEDED_AT.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    expected: set[tuple[str, str, str]] = set()
    leads, history, tasks, contacts = [], [], [], []
    for n in range(count):
        odd = ODD_DATES[n % len(ODD_DATES)]
        lead_id, contact_id = SF_ID.format(n), str(HS_ID + n)
        leads.append({"Id": lead_id, "Email": f"odd-lead-{n}@dates.example.com", "LastName": f"Odd {n}", "Company": "X",
                      "Status": "Marketing Qualified", "CreatedDate": odd, "ConvertedDate": odd[:10],
                      "LastModifiedDate": stamp, "SystemModstamp": stamp})
        history.append({"LeadId": lead_id, "Field": "Status", "OldValue": "Open - Not Contacted",
                        "NewValue": "Marketing Qualified", "CreatedDate": odd})
        tasks.append({"WhoId": lead_id, "Subject": "Call", "Status": "Completed", "CreatedDate": odd})
        contacts.append({"id": contact_id, "email": f"odd-contact-{n}@dates.example.com", "hubspotscore": "90",
                         "lifecyclestage": "marketingqualifiedlead", "createdate": odd.replace("+0000", "Z"),
                         "lastmodifieddate": hs_stamp, "hs_v2_date_entered_marketingqualifiedlead": odd[:10],
                         "notes_last_contacted": odd[:10], "hs_sa_first_engagement_date": odd.replace("+0000", "Z")})
        expected |= {("salesforce", lead_id, field) for field in ("CreatedDate", "ConvertedDate",
                                                                  "LeadHistory.CreatedDate", "Task/Event.CreatedDate")}
        expected |= {("hubspot", contact_id, field) for field in ("createdate", "notes_last_contacted",
                                                                  "hs_v2_date_entered_marketingqualifiedlead",
                                                                  "hs_sa_first_engagement_date")}
    w.handle.salesforce.load_leads(leads)
    w.handle.salesforce.add_history(history)
    w.handle.salesforce.add_tasks(tasks)
    w.handle.hubspot.load_contacts(contacts)
    return expected


def _ordinary(final: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """The final state of the records the reference world has (the odd ones left out)."""
    known = {record_id for _, record_id in reference["stages"]}
    return {"stages": {key: value for key, value in final["stages"].items() if key in reference["stages"]},
            "flags": Counter({key: n for key, n in final["flags"].items() if key[0] in known})}


def _findings_name_them(report: RunReport, expected: set[tuple[str, str, str]]) -> bool:
    """The run's findings (what the report shows) carry the quarantined values with record and field."""
    from flows.runs.sync import findings

    rows = findings(report)["quarantined"]
    return all(row["code"] == "UNPARSEABLE_DATETIME" for row in rows
               if (row["system"], row["record_id"], row["field"]) in expected) and len(rows) > 0
