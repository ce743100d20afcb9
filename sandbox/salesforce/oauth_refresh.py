"""OAuth 2.0 web-server flow (authorize → code → tokens with a refresh token) and the refresh-token grant.

The username-password, JWT and client-credentials flows issue no refresh token on real Salesforce, so only the
web-server flow and the seeded `Credentials.refresh_token` give one here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from .context import Call, Route, SandboxState, route
from .wire import json_response, xml_response

Form = dict[str, str]
TokenBody = Callable[[Call], dict[str, str]]
GRANTS = ("refresh_token", "authorization_code")
SCOPE = "api refresh_token"


def oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


def client_problem(state: SandboxState, form: Form) -> Response | None:
    """Salesforce's answer to a wrong consumer key or secret (the secret is required by default), or None."""
    creds = state.credentials
    if form.get("client_id") != creds.consumer_key:
        return oauth_error("invalid_client_id", "client identifier invalid")
    if form.get("client_secret") != creds.consumer_secret:
        return oauth_error("invalid_client", "invalid client credentials")
    return None


def issue_refresh_token(state: SandboxState) -> str:
    token = f"5Aep861{secrets.token_urlsafe(40)}"
    state.refresh_tokens.add(token)
    return token


def grant(call: Call, form: Form, token_body: TokenBody) -> Response:
    """Answer `grant_type` refresh_token or authorization_code (caller checked it is one of `GRANTS`)."""
    problem = client_problem(call.state, form)
    if problem is not None:
        return problem
    if form["grant_type"] == "refresh_token":
        return _refresh(call, form, token_body)
    return _exchange_code(call, form, token_body)


def _refresh(call: Call, form: Form, token_body: TokenBody) -> Response:
    token = form.get("refresh_token", "")
    valid = call.state.refresh_tokens | {call.state.credentials.refresh_token}
    if token not in valid:
        return oauth_error("invalid_grant", "expired access/refresh token")
    return _formatted(call, form, token_body(call) | {"scope": SCOPE})


def _exchange_code(call: Call, form: Form, token_body: TokenBody) -> Response:
    code = form.get("code", "")
    if code not in call.state.codes:
        return oauth_error("invalid_grant", "invalid authorization code")
    call.state.codes.discard(code)  # a code is good for one exchange only
    body = token_body(call) | {"refresh_token": issue_refresh_token(call.state), "scope": SCOPE}
    return _formatted(call, form, body)


def _formatted(call: Call, form: Form, body: dict[str, str]) -> Response:
    """JSON by default; `format=` or the Accept header may ask for urlencoded or XML, as the docs allow."""
    wanted = form.get("format") or call.header("Accept")
    if "urlencoded" in wanted:
        return Response(urlencode(body), media_type="application/x-www-form-urlencoded")
    if "xml" in wanted:
        items = "".join(f"<{key}>{value}</{key}>" for key, value in body.items())
        return xml_response(f'<?xml version="1.0" encoding="UTF-8"?><OAuth>{items}</OAuth>')
    return json_response(body)


async def authorize(call: Call) -> Response:
    """The user approves at once (the sandbox has one user): redirect to `redirect_uri` with a one-time code."""
    params = call.request.query_params
    if params.get("client_id") != call.state.credentials.consumer_key:
        return oauth_error("invalid_client_id", "client identifier invalid")
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return oauth_error("unsupported_response_type", "response type not supported")
    code = f"aPrx{secrets.token_urlsafe(30)}"
    call.state.codes.add(code)
    query = {"code": code} | ({"state": params["state"]} if params.get("state") else {})
    separator = "&" if "?" in params["redirect_uri"] else "?"
    return RedirectResponse(f"{params['redirect_uri']}{separator}{urlencode(query)}", status_code=302)


ROUTES: list[Route] = [
    route("GET", r".*/services/oauth2/authorize", "sf.oauth.authorize", authorize, auth="none", counts_api=False),
]
