"""HubSpot OAuth for an app installed on the portal: the refresh-token grant (`POST /oauth/v1/token`) and the
access-token metadata (`GET /oauth/v1/access-tokens/{token}`) from which tools read the granted scopes
(airbyte-source-hubspot offers only the streams those scopes allow). The app is granted the same scopes as the
private app (`scopes.GRANTED`); the access tokens it issues are accepted by every API route for 30 minutes, as
HubSpot's are, next to the private-app token.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .scopes import GRANTED
from .wire import JSON_TYPE, correlation_id

if TYPE_CHECKING:
    from .sandbox import HubSpotSandbox

DEFAULT_CLIENT_ID = "5f1c7a3e-0d1e-4c4b-9a2e-5a4db0c0ffee"  # fixed, fake values for a local emulator
DEFAULT_CLIENT_SECRET = "0b7e2c9d-sandbox-client-secret"
DEFAULT_REFRESH_TOKEN = "na1-sandbox-refresh-token"
LIFETIME_S = 1800


@dataclass
class OAuthApp:
    """The app's credentials and the access tokens it has issued (token -> expiry, epoch seconds)."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = field(default=DEFAULT_CLIENT_SECRET, repr=False)
    refresh_token: str = field(default=DEFAULT_REFRESH_TOKEN, repr=False)
    issued: dict[str, float] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue(self) -> str:
        token = f"CL{secrets.token_urlsafe(40)}"
        with self.lock:
            self.issued[token] = time.time() + LIFETIME_S
        return token

    def expires_in(self, token: str) -> int | None:
        """Seconds left for an issued token; None when unknown or expired."""
        with self.lock:
            expiry = self.issued.get(token)
        left = None if expiry is None else int(expiry - time.time())
        return left if left is not None and left > 0 else None


def _json(status: int, body: object) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON_TYPE)


def _refused(status: str, message: str) -> Response:
    return _json(400, {"status": status, "message": message, "correlationId": correlation_id()})


def oauth_routes(sandbox: HubSpotSandbox) -> list[Route]:
    async def token(request: Request) -> Response:
        sandbox.calls.record("hs.oauth.token")
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()}
        app = sandbox.oauth
        if form.get("grant_type") != "refresh_token":
            return _refused("BAD_GRANT_TYPE", "grant_type must be refresh_token (the sandbox's app is installed)")
        if form.get("client_id") != app.client_id:
            return _refused("BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("client_secret") != app.client_secret:
            return _refused("BAD_CLIENT_SECRET", "missing or invalid client secret")
        if form.get("refresh_token") != app.refresh_token:
            return _refused("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
        return _json(200, {"token_type": "bearer", "refresh_token": app.refresh_token, "access_token": app.issue(),
                           "expires_in": LIFETIME_S})

    async def token_info(request: Request) -> Response:
        sandbox.calls.record("hs.oauth.token_info")
        access_token = request.path_params["token"]
        left = sandbox.oauth.expires_in(access_token)
        if left is None:
            return _json(404, {"status": "error", "message": "Token not found or expired",
                               "correlationId": correlation_id(), "category": "OBJECT_NOT_FOUND"})
        return _json(200, {"token": access_token, "user": "integration@leadsync.example",
                           "hub_domain": "sandbox.leadsync.example", "scopes": sorted(GRANTED),
                           "hub_id": sandbox.portal_id, "app_id": sandbox.app_id, "expires_in": left,
                           "user_id": 1, "token_type": "access"})

    return [Route("/oauth/v1/token", token, methods=["POST"]),
            Route("/oauth/v1/access-tokens/{token}", token_info, methods=["GET"])]
