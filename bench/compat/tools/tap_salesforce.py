"""singer-io's tap-salesforce: OAuth refresh-token login at login.salesforce.com, then the returned instance_url;
Lead through Bulk API 1.0 (the tap's BULK mode), bookmarked on SystemModstamp."""

from compat.tools import START_DATE, Facts, Tool


def config(facts: Facts) -> dict[str, object]:
    sf = facts["salesforce"]
    return {"client_id": sf["consumer_key"], "client_secret": sf["consumer_secret"],
            "refresh_token": sf["refresh_token"], "start_date": START_DATE, "api_type": "BULK",
            "is_sandbox": False, "select_fields_by_default": True}


TOOL = Tool("tap-salesforce", "2.8.1", "salesforce", "singer", "tap-salesforce", "Lead", "Id", config)
