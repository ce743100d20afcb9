"""The shape of a raw field name a definition may give: the system's API name, so no name can change a query.

Salesforce: a letter, then letters, digits and single underscores, not ending in one; double underscores only
before a suffix (`Budget__c`, `Account__r`, `Location__Latitude__s`) and after a managed package's namespace
(`pi__score__c`); one dot for a parent's field (`Owner.Name`). HubSpot: a property's internal name, a lower-case
letter then lower-case letters, digits and underscores (`hs_lead_status`, `hubspotscore`).
"""

from __future__ import annotations

import re

_WORD = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
_SALESFORCE_PART = rf"(?:{_WORD}__)?{_WORD}(?:__[A-Za-z]+)?"
SALESFORCE_API_NAME = re.compile(rf"{_SALESFORCE_PART}(?:\.{_SALESFORCE_PART})?")
HUBSPOT_PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]*")

_EXPECTED = {
    "salesforce": "a Salesforce API name: a letter, then letters, digits and single underscores "
                  "(double ones only before a suffix or after a namespace), e.g. Status, Budget__c, Owner.Name",
    "hubspot": "a HubSpot property's internal name: a lower-case letter, then lower-case letters, digits and "
               "underscores, e.g. hs_lead_status",
}
_PATTERNS = {"salesforce": SALESFORCE_API_NAME, "hubspot": HUBSPOT_PROPERTY_NAME}


def is_api_name(system: str, name: str) -> bool:
    """Whether `name` has the shape of a field (property) name of `system`."""
    return _PATTERNS[system].fullmatch(name) is not None


def api_name_problem(system: str, name: str) -> str | None:
    """Why `name` cannot be a field (property) name of `system`, or None when it can."""
    if is_api_name(system, name):
        return None
    return f"{name!r} is not {_EXPECTED[system]}"
