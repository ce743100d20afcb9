"""HubSpot CRM v3 emulator for the leadsync sandbox: the unmodified hubspot-api-client talks to it.

Endpoint keys (the `CallCounter` and fault globs use them):
  hs.contacts.list | get | create | update | archive
  hs.contacts.batch_read | batch_create | batch_update | batch_upsert | batch_archive
  hs.contacts.search
  hs.properties.list | get | update | create
  hs.pipelines.list | get | stages_list | stage_get | stage_create | stage_update | stage_replace
  hs.pipelines.stage_archive
  hs.owners.list | get
  hs.schemas.list (GET /crm/v3/schemas), hs.properties.legacy_list (GET /properties/v2|v1/{type}/properties,
  GET /companies/v2/properties)
  hs.associations.batch_read | list (v4: /crm/v4/associations/{from}/{to}/batch/read,
  /crm/v4/objects/{type}/{id}/associations/{toType})
  hs.objects.list | search | get: the other standard objects (companies, deals, tickets, engagements, line items,
  products, quotes, leads, ...; standard_objects.py), empty; their properties read through hs.properties.*
  hs.legacy.list (companies/deals v1-v2 paged and recent lists, engagements v1), hs.marketing.forms | emails,
  hs.automation.workflows, hs.lists.list (POST /crm/v3/lists/search): empty pages (routes_objects.py)
  hs.oauth.token | token_info (POST /oauth/v1/token, GET /oauth/v1/access-tokens/{token}; oauth.py, no bearer)
Object paths also answer under the singular name (`/crm/v3/objects/contact/...`), counted under the same keys.
Admin (not counted, no auth): GET /__sandbox/calls, POST /__sandbox/reset-calls,
POST|DELETE /__sandbox/faults, POST /__sandbox/latency, GET|POST /__sandbox/switches,
POST /__sandbox/reset-limits.
"""

from .app import ENDPOINT_KEYS
from .sandbox import HubSpotSandbox, ServedHubSpot
from .switches import Switches
from .timestamps import ManualClock

__all__ = ["ENDPOINT_KEYS", "HubSpotSandbox", "ManualClock", "ServedHubSpot", "Switches"]
