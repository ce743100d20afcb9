"""Salesforce emulator for the leadsync sandbox: REST, Bulk 1.0 (query) and 2.0, Metadata SOAP over HTTPS, for unmodified
simple-salesforce.

Entry point: `SalesforceSandbox` (`.app()`, `.serve()` → `SalesforceConnection`), loading API for seed generators
(`load_leads`, `add_users`, `add_tasks`, `add_events`, `add_history`, `set_lead_statuses`), `Switches`, `Credentials`.

Endpoint keys counted by `sandbox.calls` (a `CallCounter`) and matched by `Fault.endpoint` globs:
  sf.login.soap            POST …/services/Soap/u/{v}              (suffix match; not an API call)
  sf.oauth.token           POST …/services/oauth2/token            (password, JWT bearer, client credentials,
                                                                   authorization code, refresh token)
  sf.oauth.authorize       GET  …/services/oauth2/authorize        (web-server flow: redirects with a code)
  sf.query / sf.query_all  GET  /services/data/v{v}/query|queryAll/?q=
  sf.query_more            GET  /services/data/v{v}/query/{locator}
  sf.describe_global       GET  …/sobjects/          sf.describe   GET …/sobjects/{T}/describe
  sf.sobject.metadata      GET  …/sobjects/{T}/      sf.sobject.get|create|update|delete  …/sobjects/{T}[/{id}]
  sf.sobject.updated|deleted  GET …/sobjects/{T}/updated|deleted/?start=&end=
  sf.collections.create|update|delete|get           …/composite/sobjects
  sf.limits                GET  …/limits/            sf.versions   GET /services/data/ (not an API call)
  sf.bulk2.query.create|status|results|abort|delete          …/jobs/query[/{id}[/results]]
  sf.bulk2.ingest.create|upload|close|status|results|delete  …/jobs/ingest[/{id}[/batches|/…Results]]
  sf.bulk1.job.create|get|close  sf.bulk1.batch.create|get|results|result   /services/async/{v}/job[/{id}[/batch…]]
  sf.metadata.read|update|upsert (other operations: sf.metadata.<soapOperation>)  POST /services/Soap/m/{v}/
Row-level faults (ROW_LOCK, PARTIAL_FAILURE) apply to the records of the call they fire on: collections, sObject
writes, and for Bulk ingest the `sf.bulk2.ingest.close` call that processes the rows. Without `record_ids`,
ROW_LOCK hits every record and PARTIAL_FAILURE every odd-positioned one. RATE_LIMIT's Retry-After is `delay_s` (≥1).
Admin (not counted): GET /__sandbox/calls, POST /__sandbox/reset-calls, POST|DELETE /__sandbox/faults,
GET /__sandbox/faults, POST /__sandbox/latency, GET|POST /__sandbox/switches, POST /__sandbox/expire-sessions.
"""

from .context import Credentials
from .sandbox import SalesforceConnection, SalesforceSandbox
from .switches import Switches

__all__ = ["Credentials", "SalesforceConnection", "SalesforceSandbox", "Switches"]
