"""`POST /crm/v3/objects/contacts/search`: matching, sorting, offset paging and the 10,000-result cap (§3)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

from .filters import Predicate, compile_groups, getter
from .matches import MatchList, order_key
from .properties import PropertyRegistry
from .render import render, selection
from .store import Contact, ContactStore
from .switches import Switches
from .wire import Json, validation_error

MAX_PAGE = 200
RESULT_CAP = 10_000
QUERY_FIELDS = ("email", "firstname", "lastname", "phone", "company")


@dataclass(frozen=True)
class SearchRequest:
    groups: Any
    sorts: list[tuple[str, bool]]  # (property, descending)
    query: str
    properties: tuple[str, ...]
    limit: int
    offset: int

    def cache_key(self) -> bytes:
        return orjson.dumps([self.groups, self.sorts, self.query], option=orjson.OPT_SORT_KEYS)


def parse_request(body: Any, switches: Switches) -> SearchRequest:
    body = body or {}
    if not isinstance(body, dict):
        raise validation_error("The search request must be a JSON object")
    groups = body.get("filterGroups")
    if groups is None and body.get("filters"):
        groups = [{"filters": body["filters"]}]
    return SearchRequest(
        groups=groups or [],
        sorts=[_sort(item) for item in body.get("sorts") or []],
        query=str(body.get("query") or "").casefold(),
        properties=selection(body.get("properties")),
        limit=_limit(body.get("limit", 10), switches),
        offset=_offset(body.get("after")),
    )


def _sort(item: Any) -> tuple[str, bool]:
    if isinstance(item, str):
        return (item[1:], True) if item.startswith("-") else (item, False)
    if isinstance(item, dict) and isinstance(item.get("propertyName"), str):
        return item["propertyName"], str(item.get("direction", "ASCENDING")).upper() == "DESCENDING"
    raise validation_error(f"Invalid sort: {item!r}")


def _limit(raw: Any, switches: Switches) -> int:
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise validation_error(f"Invalid limit: {raw!r}") from None
    if limit > MAX_PAGE and switches.search_limit_over_max == "reject":
        raise validation_error(f"limit must be less than or equal to {MAX_PAGE}, but was {limit}")
    return max(1, min(limit, MAX_PAGE))


def _offset(raw: Any) -> int:
    if raw in (None, ""):
        return 0
    text = str(raw)
    if not text.isdigit():
        raise validation_error(f"Invalid after: {text!r}; search paging uses a numeric offset")
    return int(text)


class Searcher:
    """Evaluates searches over the store's searchable view; recent queries keep their matches up to date."""

    def __init__(
        self, store: ContactStore, registry: PropertyRegistry, switches: Switches, cache_size: int = 8
    ):
        self.store = store
        self.registry = registry
        self.switches = switches
        self._cache: OrderedDict[bytes, MatchList] = OrderedDict()
        self._cache_size = cache_size

    def search(self, request: SearchRequest, now_ms: int) -> Json:
        limit = self._window(request)
        self.store.catch_up_index(now_ms)
        matches = self._matches(request)
        page = matches[request.offset : request.offset + limit]
        body: Json = {"total": len(matches), "results": [render(c, request.properties) for c in page]}
        following = request.offset + limit
        if following < len(matches):
            body["paging"] = {"next": {"after": str(following)}}
        return body

    def _window(self, request: SearchRequest) -> int:
        """The page size allowed at this offset; HubSpot serves at most the first 10,000 matches."""
        if request.offset >= RESULT_CAP:
            raise _cap_error(request.offset)
        if request.offset + request.limit > RESULT_CAP:
            if self.switches.search_straddle == "reject":
                raise _cap_error(request.offset + request.limit)
            return RESULT_CAP - request.offset
        return request.limit

    def _matches(self, request: SearchRequest) -> list[Contact]:
        key = request.cache_key()
        cached = self._cache.get(key)
        if cached is not None and (cached.version == self.store.version or cached.refresh(self.store)):
            self._cache.move_to_end(key)
            return cached.contacts
        fresh = self._evaluate(request)
        self._cache[key] = fresh
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return fresh.contacts

    def _evaluate(self, request: SearchRequest) -> MatchList:
        test = compile_groups(self.registry, request.groups)
        if request.query:
            test = _with_query(test, request.query)
        sorts = request.sorts
        if sorts and sorts[-1] == ("hs_object_id", False):
            sorts = sorts[:-1]  # ties are broken by id anyway
        order = order_key([(getter(self.registry, name), descending) for name, descending in sorts])
        return MatchList(self.store, test, order, by_id_only=not sorts)


def _with_query(test: Predicate, query: str) -> Predicate:
    def matches(contact: Contact) -> bool:
        props = contact.props
        return test(contact) and any(query in (props.get(name) or "").casefold() for name in QUERY_FIELDS)

    return matches


def _cap_error(position: int) -> Exception:
    # Message text is [U] (hubspot.md §3): HubSpot answers 400 past the 10,000th result.
    return validation_error(
        f"There was a problem with the request. Search results are limited to {RESULT_CAP} "
        f"(requested up to result {position})."
    )
