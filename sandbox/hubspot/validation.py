"""Value checks HubSpot applies on write, by property type (hubspot.md §2.10, §7.3): one `{isValid, message, error,
name}` item per bad value, or None."""

from __future__ import annotations

import re

from .schema import PropertyDef
from .timestamps import ms_from_text
from .wire import Json

DAY_MS = 86_400_000
# RFC 5322's dot-atom local part (apostrophes and plus signs are valid) and a dotted host name
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def invalid(name: str, message: str, error: str) -> Json:
    return {"isValid": False, "message": message, "error": error, "name": name}


def check_value(definition: PropertyDef, value: str) -> Json | None:
    name, kind = definition.name, definition.type
    if name == "email" and not _EMAIL.fullmatch(value.strip()):
        return invalid(name, f"Email address {value} is invalid", "INVALID_EMAIL")
    if kind == "enumeration" and definition.options:
        allowed = [option["value"] for option in definition.options]
        if any(part not in allowed for part in value.split(";")):
            return invalid(name, f"{value} was not one of the allowed options: {allowed}", "INVALID_OPTION")
    if kind == "number" and not _NUMBER.fullmatch(value.strip()):
        return invalid(name, f"{value} is not a valid number", "INVALID_LONG")
    if kind in ("datetime", "date"):
        return _check_moment(definition, value)
    if kind == "bool" and value not in ("true", "false"):
        return invalid(name, f"{value} is not a valid boolean", "INVALID_BOOLEAN")
    return None


def _check_moment(definition: PropertyDef, value: str) -> Json | None:
    moment = ms_from_text(value)
    if moment is None:
        return invalid(definition.name, f"{value} is not a valid date", "INVALID_DATE")
    if definition.type == "date" and moment % DAY_MS:
        at = moment % DAY_MS
        clock = f"{at // 3_600_000}:{at // 60_000 % 60}:{at // 1000 % 60}.{at % 1000}"
        return invalid(definition.name, f"{value} is at {clock} UTC, not midnight!", "INVALID_DATE")
    return None
