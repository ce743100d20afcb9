"""The Starlette app: HubSpot CRM v3 routes (one counter key each) and the `/__sandbox/` admin routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import Route

from . import routes_batch as batch
from . import routes_contacts as contacts
from . import routes_legacy as legacy
from . import routes_objects as objects
from . import routes_schema as schema
from .admin import admin_routes
from .oauth import oauth_routes
from .search import parse_request
from .serving import Handler, api_endpoint
from .wire import Call, Reply

if TYPE_CHECKING:
    from .portal import Portal
    from .sandbox import HubSpotSandbox

CONTACTS = "/crm/v3/objects/contacts"
PIPELINE = "/crm/v3/pipelines/{object_type}/{pipeline_id}"
STAGE = PIPELINE + "/stages/{stage_id}"


def search_contacts(portal: Portal, call: Call) -> Reply:
    request = parse_request(call.body, portal.switches)
    return Reply(200, portal.searcher.search(request, portal.clock()))


CONTACT_API: tuple[tuple[str, str, str, Handler], ...] = (
    ("GET", CONTACTS, "hs.contacts.list", contacts.list_contacts),
    ("POST", CONTACTS, "hs.contacts.create", contacts.create_contact),
    ("POST", CONTACTS + "/search", "hs.contacts.search", search_contacts),
    ("POST", CONTACTS + "/batch/read", "hs.contacts.batch_read", batch.batch_read),
    ("POST", CONTACTS + "/batch/create", "hs.contacts.batch_create", batch.batch_create),
    ("POST", CONTACTS + "/batch/update", "hs.contacts.batch_update", batch.batch_update),
    ("POST", CONTACTS + "/batch/upsert", "hs.contacts.batch_upsert", batch.batch_upsert),
    ("POST", CONTACTS + "/batch/archive", "hs.contacts.batch_archive", batch.batch_archive),
    ("GET", CONTACTS + "/{contact_id}", "hs.contacts.get", contacts.get_contact),
    ("PATCH", CONTACTS + "/{contact_id}", "hs.contacts.update", contacts.update_contact),
    ("DELETE", CONTACTS + "/{contact_id}", "hs.contacts.archive", contacts.archive_contact),
)
# HubSpot accepts the singular object name in object paths (`/crm/v3/objects/contact`): same handlers, same keys.
SINGULAR_API = tuple((m, p.replace(CONTACTS, legacy.SINGULAR_CONTACT), k, h) for m, p, k, h in CONTACT_API)
API: tuple[tuple[str, str, str, Handler], ...] = (
    *CONTACT_API,
    *SINGULAR_API,
    *legacy.ROUTES,
    *objects.ROUTES,
    ("GET", "/crm/v3/properties/{object_type}", "hs.properties.list", schema.list_properties),
    ("POST", "/crm/v3/properties/{object_type}", "hs.properties.create", schema.create_property),
    ("GET", "/crm/v3/properties/{object_type}/{name}", "hs.properties.get", schema.get_property),
    ("PATCH", "/crm/v3/properties/{object_type}/{name}", "hs.properties.update", schema.update_property),
    ("GET", "/crm/v3/pipelines/{object_type}", "hs.pipelines.list", schema.list_pipelines),
    ("GET", PIPELINE, "hs.pipelines.get", schema.get_pipeline),
    ("GET", PIPELINE + "/stages", "hs.pipelines.stages_list", schema.list_stages),
    ("POST", PIPELINE + "/stages", "hs.pipelines.stage_create", schema.create_stage),
    ("GET", STAGE, "hs.pipelines.stage_get", schema.get_stage),
    ("PATCH", STAGE, "hs.pipelines.stage_update", schema.update_stage),
    ("PUT", STAGE, "hs.pipelines.stage_replace", schema.update_stage),
    ("DELETE", STAGE, "hs.pipelines.stage_archive", schema.archive_stage),
    ("GET", "/crm/v3/owners/", "hs.owners.list", schema.list_owners),
    ("GET", "/crm/v3/owners", "hs.owners.list", schema.list_owners),
    ("GET", "/crm/v3/owners/{owner_id}", "hs.owners.get", schema.get_owner),
)
ENDPOINT_KEYS: tuple[str, ...] = tuple(dict.fromkeys(key for _, _, key, _ in API))


def build_app(sandbox: HubSpotSandbox) -> Starlette:
    routes = [
        Route(path, api_endpoint(sandbox, key, handler), methods=[method])
        for method, path, key, handler in API
    ]
    return Starlette(routes=[*admin_routes(sandbox), *oauth_routes(sandbox), *routes])
