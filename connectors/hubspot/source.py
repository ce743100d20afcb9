"""Pulls contacts changed in a window through search (200 a page, the 10,000 cap handled), pulls them whole through
the list endpoint (100 a page, under the general limit rather than search's), and reads in batches."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from hubspot.crm.contacts import BasicApi, BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest, SimplePublicObjectId

from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.search import PAGE, SEARCH_CAP, Slice
from connectors.ports import TimeWindow
from mapping.convert import epoch_ms, epoch_ms_ceil, to_datetime
from mapping.definition.compiled import CompiledDefinition
from mapping.normalize import hubspot_history_properties

BATCH = 100
LIST_PAGE = 100  # the list endpoint's largest page
ALWAYS = ("hs_object_id", "lastmodifieddate", "createdate")


class HubSpotContactSource:
    system = "hubspot"

    def __init__(self, api: HubSpotApi, compiled: CompiledDefinition) -> None:
        self.api = api
        view = compiled.systems["hubspot"]
        self.properties = list(dict.fromkeys([*ALWAYS, *view.raw_fields, *hubspot_history_properties(compiled)]))
        self.stage_fields = view.stage_fields
        self._described: dict[str, dict[str, Any]] | None = None
        # The list endpoint's API object, on the batch API's client (same connection pool, closed with it).
        self.basic_api = BasicApi(api.batch_api.api_client)

    def describe_fields(self) -> dict[str, dict[str, Any]]:
        """Every contact property the portal has, by name: its `type` and whether we may write it (`updateable`).

        One properties call, then cached for the run.
        """
        if self._described is None:
            response = self.api.run("properties.list", lambda timeout: self.api.properties_api.get_all_with_http_info(
                "contacts", archived=False, _request_timeout=timeout))
            self._described = {p.name: {"name": p.name, "type": p.type, "updateable": not _read_only(p)}
                               for p in response.results or []}
        return self._described

    def count_changed(self, window: TimeWindow) -> int:
        return int(self._search(Slice(epoch_ms(window.start), epoch_ms_ceil(window.end)), None, limit=1).total or 0)

    def iter_changed(self, window: TimeWindow) -> Iterator[list[dict[str, Any]]]:
        seen: set[str] = set()
        for page in self._slice_pages(Slice(epoch_ms(window.start), epoch_ms_ceil(window.end))):
            fresh = [c for c in page if c["id"] not in seen]
            seen.update(c["id"] for c in fresh)
            if fresh:
                yield fresh

    def iter_whole(self, window: TimeWindow) -> Iterator[list[dict[str, Any]]]:
        """Every contact modified in the window, through the list endpoint in id order (the window is applied here:
        the list endpoint filters on nothing)."""
        span = Slice(epoch_ms(window.start), epoch_ms_ceil(window.end))
        after: str | None = None
        while True:
            body = self.api.run("list", partial(self._list_page, after))
            contacts = ({"id": str(r["id"]), "properties": dict(r.get("properties") or {})} for r in body.get("results") or [])
            page = [c for c in contacts if span.start_ms <= _modified_ms(c) < span.end_ms]
            if page:
                yield page
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def _list_page(self, after: str | None, timeout: float) -> tuple[dict[str, Any], int, Any]:
        """One list page as its JSON: the client's models would parse two datetimes a contact we never read (half
        the pull's time); errors still come as the client's exceptions."""
        response = self.basic_api.get_page_with_http_info(limit=LIST_PAGE, after=after, properties=self.properties,
                                                          archived=False, _request_timeout=timeout,
                                                          _preload_content=False)
        return json.loads(response.data), response.status, response.headers

    def _slice_pages(self, piece: Slice) -> Iterator[list[dict[str, Any]]]:
        """Page the window; when paging would pass the 10,000 cap, search again from the last timestamp seen
        (the caller drops the few contacts seen twice). 10,000 at one instant are walked by object id."""
        start = piece.start_ms
        while start < piece.end_ms:
            response = self._search(Slice(start, piece.end_ms), None)
            fetched, last = 0, start
            while True:
                page = [_contact(r) for r in response.results]
                if page:
                    yield page
                    fetched += len(page)
                    last = max(last, *(_modified_ms(c) for c in page))
                after = response.paging.next.after if response.paging and response.paging.next else None
                if not after:
                    return
                if fetched + PAGE > SEARCH_CAP:
                    break
                response = self._search(Slice(start, piece.end_ms), after)
            if last == start:
                yield from self._by_object_id(Slice(start, start + 1))
                start += 1
            else:
                start = last

    def _by_object_id(self, piece: Slice) -> Iterator[list[dict[str, Any]]]:
        """More than 10,000 contacts share one millisecond: walk them by id, 200 at a time, never past the cap."""
        last = 0
        while True:
            response = self._search(Slice(piece.start_ms, piece.end_ms, last), None)
            page = [_contact(r) for r in response.results]
            if not page:
                return
            yield page
            last = max(int(c["id"]) for c in page)

    def _search(self, piece: Slice, after: str | None, limit: int = PAGE) -> Any:
        request = PublicObjectSearchRequest(filter_groups=[{"filters": piece.filters()}], sorts=piece.sorts(),
                                            properties=self.properties, limit=limit, after=after)
        return self.api.run("search", lambda timeout: self.api.search_api.do_search_with_http_info(
            request, _request_timeout=timeout), search=True)

    def read_records(self, record_ids: Sequence[str]) -> list[dict[str, Any]]:
        return self._batch_read(list(record_ids), None)

    def find_by_emails(self, emails: Sequence[str]) -> list[dict[str, Any]]:
        return self._batch_read(list(emails), "email")

    def _batch_read(self, keys: list[str], id_property: str | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH):
            body = BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=k) for k in keys[start : start + BATCH]], properties=self.properties,
                properties_with_history=[], id_property=id_property)
            response = self.api.run("batch_read", partial(self._read_batch, body))
            found += [_contact(r) for r in response.results]
        return found

    def _read_batch(self, body: BatchReadInputSimplePublicObjectId, timeout: float) -> Any:
        return self.api.batch_api.read_with_http_info(body, archived=False, _request_timeout=timeout)


def _modified_ms(contact: dict[str, Any]) -> int:
    value = contact["properties"].get("lastmodifieddate")
    parsed = to_datetime(value)[0]
    return epoch_ms(parsed) if parsed else 0


def _contact(result: Any) -> dict[str, Any]:
    return {"id": str(result.id), "properties": dict(result.properties or {})}


def _read_only(prop: Any) -> bool:
    metadata = getattr(prop, "modification_metadata", None)
    return bool(getattr(metadata, "read_only_value", False))
