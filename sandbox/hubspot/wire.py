"""HubSpot wire vocabulary shared by the route modules: error bodies (hubspot.md §7.3), calls and replies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from sandbox.runtime import Fault

JSON_TYPE = "application/json;charset=utf-8"
Json = dict[str, Any]


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(category: str, message: str, **extra: Any) -> Json:
    return {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
        **extra,
    }


class ApiError(Exception):
    """Raised by a handler to answer with a HubSpot error body."""

    def __init__(self, status: int, body: Json, headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def validation_error(message: str, **extra: Any) -> ApiError:
    return ApiError(400, error_body("VALIDATION_ERROR", message, **extra))


def property_errors(items: list[Json]) -> ApiError:
    """400 whose message embeds the JSON list of `{isValid, message, error, name}`, as HubSpot sends it."""
    text = orjson.dumps(items).decode()
    return validation_error(f"Property values were not valid: {text}")


def not_found(identifier: str, message: str = "Object not found.  objectId are usually numeric.") -> ApiError:
    return ApiError(404, error_body("OBJECT_NOT_FOUND", message, context={"id": [identifier]}))


@dataclass
class Call:
    """One parsed API request as a handler sees it."""

    path: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    url: str = ""
    fault: Fault | None = None

    def first(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def names(self, name: str) -> list[str] | None:
        """A list parameter sent repeated and/or comma-separated (hubspot.md §1.3); None when absent."""
        values = self.query.get(name)
        if values is None:
            return None
        return [part for value in values for part in value.split(",") if part]

    def flag(self, name: str) -> bool:
        return (self.first(name) or "false").lower() == "true"

    def integer(self, name: str, default: int) -> int:
        raw = self.first(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise validation_error(f"Invalid value for '{name}': {raw}") from None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
