"""Response header names in the canonical case Salesforce sends (`Content-Type`, `Sforce-Limit-Info`).

Starlette lower-cases header names and uvicorn's h11 writes names exactly as the app hands them over, so the case
is fixed here, on the ASGI `send` that reaches the wire; `Date` is added here too, since uvicorn's own is lower case
and switched off for this server (see `SalesforceSandbox.serve`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import formatdate
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
_SPECIAL = {b"sforce-numberofrecords": b"Sforce-NumberOfRecords", b"etag": b"ETag",
            b"www-authenticate": b"WWW-Authenticate"}


def canonical(name: bytes) -> bytes:
    lowered = name.lower()
    return _SPECIAL.get(lowered) or b"-".join(part.capitalize() for part in lowered.split(b"-"))


def canonical_send(send: Send) -> Send:
    """`send` with every response header name put in canonical case, and a `Date` header added."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(canonical(name), value) for name, value in message.get("headers", [])]
            if not any(name == b"Date" for name, _ in headers):
                headers.insert(0, (b"Date", formatdate(usegmt=True).encode()))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
