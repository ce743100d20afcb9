"""Owners (`GET /crm/v3/owners/`): the users a contact can be assigned to (§10 row 18)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .timestamps import iso_from_ms
from .wire import Json, not_found


class OwnerBook:
    """Owners in id order; their ids are the options of `hubspot_owner_id`."""

    def __init__(self) -> None:
        self._owners: dict[str, Json] = {}
        self._next_id = 10_000_001

    def add(self, owners: Iterable[dict[str, Any]], now_ms: int) -> list[Json]:
        added = [self._one(raw, now_ms) for raw in owners]
        for owner in added:
            self._owners[owner["id"]] = owner
        return added

    def _one(self, raw: dict[str, Any], now_ms: int) -> Json:
        owner_id = str(raw.get("id") or self._next_id)
        self._next_id += 1
        stamp = iso_from_ms(now_ms)
        user_id = int(raw.get("userId", 5_000_000 + len(self._owners)))
        return {
            "id": owner_id,
            "email": raw.get("email", f"owner{owner_id}@example.com"),
            "firstName": raw.get("firstName", ""),
            "lastName": raw.get("lastName", ""),
            "userId": user_id,
            "userIdIncludingInactive": user_id,
            "type": "PERSON",
            "teams": raw.get("teams", []),
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": bool(raw.get("archived", False)),
        }

    def options(self) -> list[Json]:
        """The `hubspot_owner_id` options: one per active owner."""
        live = [o for o in self._owners.values() if not o["archived"]]
        return [
            {"label": f"{o['firstName']} {o['lastName']}".strip() or o["email"], "value": o["id"]}
            for o in live
        ]

    def get(self, owner_id: str, archived: bool) -> Json:
        owner = self._owners.get(owner_id)
        if owner is None or owner["archived"] != archived:
            raise not_found(owner_id, f"Unable to find owner {owner_id}")
        return owner

    def page(self, after: str | None, limit: int, email: str | None, archived: bool) -> Json:
        rows = [o for o in self._owners.values() if o["archived"] == archived]
        if email:
            rows = [o for o in rows if o["email"].lower() == email.lower()]
        start = int(after) if after and after.isdigit() else 0
        body: Json = {"results": rows[start : start + limit]}
        if start + limit < len(rows):
            body["paging"] = {"next": {"after": str(start + limit), "link": f"?after={start + limit}"}}
        return body
