"""Airbyte's source-salesforce: OAuth refresh-token login at login.salesforce.com, then the returned instance_url;
Lead by REST or Bulk API 2.0 as it chooses, incremental on SystemModstamp with its default 10-minute lookback."""

from compat.tools import START_DATE, Facts, Tool


def config(facts: Facts) -> dict[str, object]:
    sf = facts["salesforce"]
    return {"auth_type": "Client", "client_id": sf["consumer_key"], "client_secret": sf["consumer_secret"],
            "refresh_token": sf["refresh_token"], "start_date": START_DATE, "is_sandbox": False}


TOOL = Tool("airbyte-source-salesforce", "2.10.3", "salesforce", "airbyte", "source-salesforce", "Lead", "Id", config)
