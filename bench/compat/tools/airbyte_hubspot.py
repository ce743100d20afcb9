"""Airbyte's source-hubspot (a declarative manifest) against https://api.hubapi.com, set up with OAuth: it reads the
granted scopes from the token's metadata and offers the streams they allow; its discovery reads the legacy property
lists of every standard object (the sandbox holds them empty). Contacts in full through the list endpoint, then
incrementally through search on lastmodifieddate."""

from compat.tools import START_DATE, Facts, Tool


def config(facts: Facts) -> dict[str, object]:
    hs = facts["hubspot"]
    return {"credentials": {"credentials_title": "OAuth Credentials", "client_id": hs["client_id"],
                            "client_secret": hs["client_secret"], "refresh_token": hs["refresh_token"]},
            "start_date": START_DATE}


TOOL = Tool("airbyte-source-hubspot", "5.7.0", "hubspot", "airbyte", "source-hubspot", "contacts", "id", config)
