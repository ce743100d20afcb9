"""Owner names: `SELECT Id, Name FROM User WHERE Id IN (…)`, batched under the query-length cap, never one per owner."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.salesforce.source import SalesforceLeadSource

USER_PREFIX = "005"  # a Lead's OwnerId is a User (005…) or a queue (00G…, a Group: no User name to show)
ID_LENGTHS = (15, 18)


class SalesforceOwnerDirectory:
    system = "salesforce"

    def __init__(self, source: SalesforceLeadSource) -> None:
        self.source = source

    def read_owner_names(self, owner_ids: Sequence[str]) -> dict[str, str]:
        """Inactive users are still Users and keep their names; ids that are no User (queues) are not asked for."""
        users = [i for i in dict.fromkeys(owner_ids) if is_user_id(i)]
        rows = self.source.query_by(("Id", "Name"), "Id", users, "owners", "User")
        return {str(row["Id"]): str(row["Name"]) for row in rows if row.get("Name")}


def is_user_id(owner_id: str) -> bool:
    return owner_id.startswith(USER_PREFIX) and len(owner_id) in ID_LENGTHS and owner_id.isalnum()
