"""dlt's verified sources (hubspot, salesforce) are not on any package registry: `dlt init hubspot …` copies them
from the dlt-hub/verified-sources git repository, which this machine cannot reach. PyPI's dlt 1.31.0 ships only
rest_api, sql_database and filesystem; the PyPI packages that carry a 'hubspot' dlt source (e.g.
paradoxmachines-dlt-sources) are other authors' rewrites, not dlt's, so the suite leaves them out too."""

from compat.tools import Unavailable

REASON = "not on any package registry (dlt init copies it from the verified-sources git repo); not run"
HUBSPOT = Unavailable("dlt hubspot verified source", REASON)
SALESFORCE = Unavailable("dlt salesforce verified source", REASON)
