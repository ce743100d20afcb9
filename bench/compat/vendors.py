"""What the emulators hold and the 1 % change, through the vendors' own clients (simple-salesforce,
hubspot-api-client) from the project's environment; and the emulators' call counters."""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

import requests
from hubspot import HubSpot
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput
from simple_salesforce import Salesforce

Facts = dict[str, dict[str, str]]
CHANGE_MARK = "compat-change"


def salesforce(facts: Facts) -> Salesforce:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the caller's shell would replace `verify`
    session.verify = facts["salesforce"]["ca_bundle"]
    sf = facts["salesforce"]
    return Salesforce(instance_url=sf["instance_url"], session_id=sf["session_id"], session=session)


def hubspot(facts: Facts) -> HubSpot:
    hs = facts["hubspot"]
    return HubSpot(access_token=hs["access_token"], host=hs["base_url"])


def record_ids(system: str, facts: Facts) -> list[str]:
    """Every lead (Salesforce) or contact (HubSpot) id the emulator holds, deleted and archived ones left out."""
    if system == "salesforce":
        return sorted(str(row["Id"]) for row in salesforce(facts).query_all("SELECT Id FROM Lead")["records"])
    return sorted(str(contact.id) for contact in hubspot(facts).crm.contacts.get_all())


def one_percent(ids: list[str]) -> list[str]:
    """Every hundredth id (at least one): the records the incremental pull must bring again."""
    return ids[::100] or ids[:1]


def change(system: str, facts: Facts, ids: list[str]) -> None:
    """A field of each record in `ids` changed as a user would, in batches the APIs allow (200 and 100)."""
    if system == "salesforce":
        client = salesforce(facts)
        for start in range(0, len(ids), 200):
            records = [{"attributes": {"type": "Lead"}, "Id": i, "Title": f"{CHANGE_MARK} {n}"}
                       for n, i in enumerate(ids[start:start + 200])]
            results = client.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": records})
            failed = [r for r in results or [] if not r.get("success")]
            if failed:
                raise RuntimeError(f"Salesforce refused the change: {failed[:3]}")
        return
    batch_api = hubspot(facts).crm.contacts.batch_api
    for start in range(0, len(ids), 100):
        inputs = [SimplePublicObjectBatchInput(id=i, properties={"jobtitle": f"{CHANGE_MARK} {n}"})
                  for n, i in enumerate(ids[start:start + 100])]
        batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=inputs))


def calls(system: str, facts: Facts) -> int:
    """The emulator's API call counter, all endpoints (the admin routes are not counted)."""
    if system == "salesforce":
        context = ssl.create_default_context(cafile=facts["salesforce"]["ca_bundle"])
        counts = _get(f"{facts['salesforce']['instance_url']}/__sandbox/calls", context)
        return sum(int(n) for n in counts.values())
    return int(_get(f"{facts['hubspot']['base_url']}/__sandbox/calls", None)["total"])


def _get(url: str, context: ssl.SSLContext | None) -> Any:
    with urllib.request.urlopen(url, timeout=10, context=context) as response:
        return json.loads(response.read())
