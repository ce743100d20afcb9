"""Login endpoints, matched by path suffix: SOAP partner login and OAuth 2.0 token (password, JWT bearer, client credentials)."""

from __future__ import annotations

import base64
import binascii
import html
import re
import secrets
import time
from urllib.parse import parse_qs

import orjson
from starlette.responses import Response

from . import oauth_refresh
from .context import Call, Route, SandboxState, route
from .wire import json_response, xml_response

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_LOGIN_FAULT = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def instance_url(call: Call) -> str:
    url = call.request.url
    return f"{url.scheme}://{url.netloc}"


def issue_token(state: SandboxState) -> str:
    token = f"{state.org.org_id[:15]}!AQ{secrets.token_urlsafe(24)}"
    state.tokens.add(token)
    return token


def _element(body: str, name: str) -> str | None:
    match = re.search(rf"<(?:\w+:)?{name}(?:\s[^>]*)?>(.*?)</(?:\w+:)?{name}>", body, re.DOTALL)
    return html.unescape(match.group(1)) if match else None


def _password_ok(state: SandboxState, password: str | None) -> bool:
    creds = state.credentials
    accepted = {creds.password + creds.security_token}
    if state.switches.accept_password_without_token:
        accepted.add(creds.password)
    return password in accepted


async def soap_login(call: Call) -> Response:
    body = (await call.request.body()).decode("utf-8", "replace")
    state = call.state
    if _element(body, "username") != state.credentials.username or not _password_ok(state, _element(body, "password")):
        return xml_response(_LOGIN_FAULT, 500)
    base = instance_url(call)
    version = call.params.get("v", "59.0")
    org_id, user_id = state.org.org_id, state.org.api_user_id
    result = (
        f"<metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl>"
        f"<sessionId>{issue_token(state)}</sessionId><userId>{user_id}</userId>"
        f"<userInfo><organizationId>{org_id}</organizationId><userId>{user_id}</userId>"
        f"<userName>{html.escape(state.credentials.username)}</userName><userTimeZone>UTC</userTimeZone>"
        "<sessionSecondsValid>7200</sessionSecondsValid></userInfo>"
    )
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><loginResponse><result>{result}</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return xml_response(envelope)


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def token_body(call: Call) -> dict[str, str]:
    """A fresh access token's JSON fields, as every grant returns them."""
    state = call.state
    base = instance_url(call)
    return {
        "access_token": issue_token(state),
        "instance_url": base,
        "id": f"{base}/id/{state.org.org_id}/{state.org.api_user_id}",
        "token_type": "Bearer",
        "issued_at": str(int(time.time() * 1000)),
        "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def _token_response(call: Call) -> Response:
    return json_response(token_body(call))


async def oauth_token(call: Call) -> Response:
    form = {k: v[0] for k, v in parse_qs((await call.request.body()).decode(), keep_blank_values=True).items()}
    grant = form.get("grant_type", "")
    creds = call.state.credentials
    if grant in oauth_refresh.GRANTS:
        return oauth_refresh.grant(call, form, token_body)
    if grant == "password":
        if form.get("client_id") != creds.consumer_key or form.get("client_secret") != creds.consumer_secret:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        password = form.get("password")
        ok = password == creds.password or _password_ok(call.state, password)
        if form.get("username") != creds.username or not ok:
            return _oauth_error("invalid_grant", "authentication failure")
        return _token_response(call)
    if grant == JWT_GRANT:
        problem = _jwt_problem(call.state, form.get("assertion", ""))
        return _oauth_error("invalid_grant", problem) if problem else _token_response(call)
    if grant == "client_credentials":
        if _basic_auth(call.header("Authorization")) != (creds.consumer_key, creds.consumer_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        return _token_response(call)
    return _oauth_error("unsupported_grant_type", "grant type not supported")


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _jwt_problem(state: SandboxState, assertion: str) -> str | None:
    """Why the assertion is refused, or None; `exp` may be a string, as simple-salesforce sends it."""
    try:
        head_b64, claims_b64, signature_b64 = assertion.split(".")
        header = orjson.loads(_b64(head_b64))
        claims = orjson.loads(_b64(claims_b64))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        return "invalid assertion"
    creds = state.credentials
    if header.get("alg") != "RS256":
        return "invalid assertion algorithm"
    if claims.get("iss") != creds.consumer_key:
        return "invalid_client_id"
    if claims.get("sub") != creds.username:
        return "user hasn't approved this consumer" if claims.get("sub") else "invalid subject"
    if float(claims.get("exp", 0)) < time.time():
        return "expired authorization code"
    if creds.jwt_public_key_pem and not _signature_ok(creds.jwt_public_key_pem, assertion, _b64(signature_b64)):
        return "invalid signature"
    return None


def _signature_ok(public_pem: bytes, assertion: str, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    signed = assertion.rsplit(".", 1)[0].encode()
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


ROUTES: list[Route] = [
    *oauth_refresh.ROUTES,
    route("POST", r".*/services/Soap/u/(?P<v>\d+\.\d)", "sf.login.soap", soap_login, auth="none", counts_api=False),
    route("POST", r".*/services/oauth2/token", "sf.oauth.token", oauth_token, auth="none", counts_api=False),
]
