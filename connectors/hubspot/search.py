"""Pure planning of incremental search windows around HubSpot's 10,000-result cap.

A window whose total exceeds the cap is split in halves; a single millisecond holding more than the cap is paged
on `hs_object_id` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

SEARCH_CAP = 10_000
PAGE = 200


@dataclass(frozen=True)
class Slice:
    """[start_ms, end_ms) on lastmodifieddate; `after_id` set means one instant paged by object id."""

    start_ms: int
    end_ms: int
    after_id: int | None = None

    def filters(self) -> list[dict[str, str]]:
        if self.after_id is not None:
            return [{"propertyName": "lastmodifieddate", "operator": "EQ", "value": str(self.start_ms)},
                    {"propertyName": "hs_object_id", "operator": "GT", "value": str(self.after_id)}]
        return [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(self.start_ms)},
                {"propertyName": "lastmodifieddate", "operator": "LT", "value": str(self.end_ms)}]

    def sorts(self) -> list[dict[str, str]]:
        if self.after_id is not None:
            return [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
        return [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"},
                {"propertyName": "hs_object_id", "direction": "ASCENDING"}]

    def halves(self) -> tuple[Slice, Slice]:
        middle = (self.start_ms + self.end_ms) // 2
        return Slice(self.start_ms, middle), Slice(middle, self.end_ms)

    @property
    def single_instant(self) -> bool:
        return self.end_ms - self.start_ms <= 1
