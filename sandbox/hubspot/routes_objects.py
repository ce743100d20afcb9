"""Record routes of the standard objects besides contacts (companies, deals, tickets, engagements, …) and of the
marketing and automation assets tools list: a fresh portal has none, so every list, search and legacy page answers
in its documented shape with nothing in it, and a record read is 404.
"""

from __future__ import annotations

from .portal import Portal
from .routes_schema import other_object
from .serving import Handler
from .wire import Call, Json, Reply, not_found, validation_error


def _known(call: Call) -> None:
    if other_object(call.path["object_type"]) is None:  # contacts have their own routes; `0-1` is not served
        raise validation_error(f"Unable to infer object type from: {call.path['object_type']}")


def list_objects(portal: Portal, call: Call) -> Reply:
    """`GET /crm/v3/objects/{type}`: a page of records (none)."""
    _known(call)
    call.integer("limit", 10)
    return Reply(200, {"results": []})


def search_objects(portal: Portal, call: Call) -> Reply:
    """`POST /crm/v3/objects/{type}/search`: `total` and a page of matches (none)."""
    _known(call)
    if call.body is not None and not isinstance(call.body, dict):
        raise validation_error("The search request must be a JSON object")
    return Reply(200, {"total": 0, "results": []})


def get_object(portal: Portal, call: Call) -> Reply:
    """`GET /crm/v3/objects/{type}/{id}`: no such record."""
    _known(call)
    raise not_found(call.path["object_id"])


def page(body: Json) -> Handler:
    """A handler answering one fixed empty page (legacy and marketing lists whose shapes differ per API)."""
    def handler(portal: Portal, call: Call) -> Reply:
        return Reply(200, body)

    return handler


def _offset_page(portal: Portal, call: Call) -> Reply:
    """`GET /marketing-emails/v1/emails/with-statistics`: `objects` with the offset paging of the v1 APIs."""
    return Reply(200, {"objects": [], "limit": call.integer("limit", 20), "offset": call.integer("offset", 0),
                       "total": 0})


OBJECTS = "/crm/v3/objects/{object_type}"
RECENT: Json = {"results": [], "hasMore": False, "offset": 0, "total": 0}
ROUTES: tuple[tuple[str, str, str, Handler], ...] = (
    ("GET", OBJECTS, "hs.objects.list", list_objects),
    ("POST", OBJECTS + "/search", "hs.objects.search", search_objects),
    ("GET", OBJECTS + "/{object_id}", "hs.objects.get", get_object),
    ("GET", "/companies/v2/companies/paged", "hs.legacy.list", page({"companies": [], "has-more": False, "offset": 0})),
    ("GET", "/companies/v2/companies/recent/modified", "hs.legacy.list", page(RECENT)),
    ("GET", "/deals/v1/deal/paged", "hs.legacy.list", page({"deals": [], "hasMore": False, "offset": 0})),
    ("GET", "/deals/v1/deal/recent/modified", "hs.legacy.list", page(RECENT)),
    ("GET", "/engagements/v1/engagements/paged", "hs.legacy.list", page({"results": [], "hasMore": False, "offset": 0})),
    ("GET", "/marketing/v3/forms", "hs.marketing.forms", page({"results": []})),
    ("GET", "/marketing-emails/v1/emails/with-statistics", "hs.marketing.emails", _offset_page),
    ("GET", "/automation/v3/workflows", "hs.automation.workflows", page({"workflows": []})),
    ("POST", "/crm/v3/lists/search", "hs.lists.list", page({"lists": [], "hasMore": False, "offset": 0, "total": 0})),
)
