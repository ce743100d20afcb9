"""The sandbox's private app and the scopes it was granted: contacts (read and write, records and schema), owners,
and read access to the other standard objects (standard_objects.READ_SCOPES), which the portal holds empty. A call
that needs a scope the app lacks (writing another object's properties) answers 403 `MISSING_SCOPES` with HubSpot's
body (hubspot.md §7.3, §10).
"""

from __future__ import annotations

from .standard_objects import READ_SCOPES, standard_object
from .wire import ApiError, error_body

GRANTED = frozenset({
    "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read",
    "crm.schemas.contacts.write", "crm.objects.owners.read", *READ_SCOPES,
})
MESSAGE = ("This app hasn't been granted all required scopes to make this call. Read more about required scopes "
           "here: https://developers.hubspot.com/scopes.")


def missing_scopes(*required: str) -> ApiError:
    """403 naming the scopes of which the call needs one (none of them granted)."""
    return ApiError(403, error_body(
        "MISSING_SCOPES", MESSAGE,
        errors=[{"message": "One or more of the following scopes are required.",
                 "context": {"requiredGranularScopes": list(required)}}],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    ))


def write_scopes(object_type: str) -> tuple[str, ...] | None:
    """The scopes writing a standard object's properties needs (the app holds none of them); None for other types."""
    found = standard_object(object_type)
    if found is None:
        return None
    return (f"crm.schemas.{found.name}.write", f"crm.objects.{found.name}.write")
