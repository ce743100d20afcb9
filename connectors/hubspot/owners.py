"""Owner names from the owners API (`GET /crm/v3/owners/`, pages of 500): it lists owners, it cannot filter by id.

Active owners first; only ids still unnamed then are looked for among archived owners (deactivated users), so a
portal of up to 500 owners answers any set of ids in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from connectors.hubspot.api import HubSpotApi

PAGE = 500  # the owners API's largest page


class HubSpotOwnerDirectory:
    system = "hubspot"

    def __init__(self, api: HubSpotApi) -> None:
        self.api = api

    def read_owner_names(self, owner_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(owner_ids)
        found: dict[str, str] = {}
        for archived in (False, True):
            if wanted <= found.keys():
                break
            found |= self._walk(wanted - found.keys(), archived)
        return found

    def _walk(self, wanted: set[str], archived: bool) -> dict[str, str]:
        """Page through the owners until every wanted id is named or the list ends."""
        found: dict[str, str] = {}
        after: str | None = None
        while True:
            page = self.api.run("owners", partial(self._page, after, archived))
            for owner in page.results or []:
                name = display_name(owner)
                if str(owner.id) in wanted and name:
                    found[str(owner.id)] = name
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after or wanted <= found.keys():
                return found

    def _page(self, after: str | None, archived: bool, timeout: float) -> Any:
        return self.api.owners_api.get_page_with_http_info(after=after, limit=PAGE, archived=archived,
                                                           _request_timeout=timeout)


def display_name(owner: Any) -> str | None:
    """First and last name as HubSpot shows an owner, else the owner's email."""
    name = " ".join(part for part in (owner.first_name, owner.last_name) if part)
    return name or owner.email or None
