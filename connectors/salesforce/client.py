"""Builds the simple-salesforce client from settings: every auth mode, a timeout on every call, usage tracking."""

from __future__ import annotations

import os
import re
from typing import Any

import requests
from simple_salesforce import Salesforce

from connectors.resilience import ApiBudget
from connectors.settings import SalesforceAuth, SalesforceSettings

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class TimeoutSession(requests.Session):
    """A requests session that gives every request a timeout (simple-salesforce sets none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


def make_session(settings: SalesforceSettings, budget: ApiBudget) -> TimeoutSession:
    session = TimeoutSession(settings.timeout_s)
    if settings.ca_bundle is not None:
        session.verify = str(settings.ca_bundle)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE silently overrides `verify`
        # The Metadata API's SOAP client (zeep) opens its own requests session, which only honours the environment.
        os.environ["REQUESTS_CA_BUNDLE"] = str(settings.ca_bundle)
    session.hooks["response"].append(lambda response, *_, **__: _observe(response, budget))
    return session


def _observe(response: requests.Response, budget: ApiBudget) -> None:
    """Sforce-Limit-Info comes on every REST response; simple-salesforce records it for only some call types."""
    match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
    if match:
        budget.observe(int(match.group(1)), int(match.group(2)))


def make_client(settings: SalesforceSettings, session: requests.Session) -> Salesforce:
    """Log in with whichever credentials the settings hold; secrets are unwrapped here and nowhere else."""
    common: dict[str, Any] = {"session": session, "version": settings.api_version}
    auth = settings.auth
    if auth is SalesforceAuth.SESSION:
        return Salesforce(instance_url=settings.instance_url, session_id=_secret(settings.session_id), **common)
    if auth is SalesforceAuth.JWT:
        return Salesforce(username=settings.username, consumer_key=settings.consumer_key,
                          privatekey_file=str(settings.private_key_file), domain=settings.domain, **common)
    if auth is SalesforceAuth.CLIENT_CREDENTIALS:
        return Salesforce(consumer_key=settings.consumer_key, consumer_secret=_secret(settings.consumer_secret),
                          domain=settings.domain, **common)
    return Salesforce(username=settings.username, password=_secret(settings.password),
                      security_token=_secret(settings.security_token), domain=settings.domain, **common)


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
