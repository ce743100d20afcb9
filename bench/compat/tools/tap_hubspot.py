"""singer-io's tap-hubspot: a private-app token against https://api.hubapi.com; contacts through the CRM v3 list
endpoint, bookmarked on updatedAt (it walks the whole list every run and emits what changed since)."""

from compat.tools import START_DATE, Facts, Tool


def config(facts: Facts) -> dict[str, object]:
    return {"api_key": facts["hubspot"]["access_token"], "start_date": START_DATE}


TOOL = Tool("tap-hubspot", "4.5.0", "hubspot", "singer", "tap-hubspot", "contacts", "id", config)
