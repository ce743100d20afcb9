"""Builds the simple-salesforce client from settings: every auth mode, a timeout on every call, usage tracking.

A CA bundle (the sandbox's) is trusted by the Salesforce sessions only, REST and Metadata: never by the process.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.metadata import SfdcMetadataApi
from zeep.transports import Transport

from connectors.resilience import ApiBudget
from connectors.settings import SalesforceAuth, SalesforceSettings

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
S = TypeVar("S", bound=requests.Session)


class TimeoutSession(requests.Session):
    """A requests session that gives every request a timeout (simple-salesforce sets none) and, with a budget, checks
    the run still has room before each request goes (a Bulk job polls and pages inside one client call)."""

    def __init__(self, timeout_s: float, budget: ApiBudget | None = None) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.budget = budget

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if self.budget is not None:
            self.budget.check_room()
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


def make_session(settings: SalesforceSettings, budget: ApiBudget) -> TimeoutSession:
    """The session every REST, composite and Bulk 2.0 call goes through: each answer's usage feeds `budget`, and no
    request goes once the run is past its share."""
    return _observing(_trusting(TimeoutSession(settings.timeout_s, budget), settings), budget)


def _observing(session: S, budget: ApiBudget) -> S:
    session.hooks["response"].append(lambda response, *_, **__: _observe(response, budget))
    return session


def _trusting(session: S, settings: SalesforceSettings) -> S:
    """`session` trusting the configured CA bundle (this session only: the process's trust is left alone)."""
    if settings.ca_bundle is not None:
        session.verify = str(settings.ca_bundle)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE silently overrides `verify`
    return session


def metadata_transport(settings: SalesforceSettings, budget: ApiBudget) -> Transport:
    """zeep's transport for the Metadata API: the same trust, timeout and usage tracking as the REST session, in a
    session of its own (zeep mounts a file adapter and sets its User-Agent on the session it is given)."""
    return Transport(session=_observing(_trusting(requests.Session(), settings), budget), timeout=settings.timeout_s,
                     operation_timeout=settings.timeout_s)


def _observe(response: requests.Response, budget: ApiBudget) -> None:
    """Sforce-Limit-Info comes on every REST response, errors and Bulk 2.0 included; simple-salesforce records it
    for only some call types."""
    match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
    if match:
        budget.observe(int(match.group(1)), int(match.group(2)))


class ScopedSalesforce(Salesforce):
    """simple-salesforce whose Metadata API client (zeep) uses our transport, not zeep's default one.

    simple-salesforce 1.12 builds `zeep.Client(wsdl)` with no transport, so zeep opens a plain `requests.Session`
    that trusts only what the environment says; this hands it the session's CA bundle and timeout instead.
    """

    def __init__(self, *args: Any, metadata: Transport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metadata_transport = metadata

    @property
    def mdapi(self) -> SfdcMetadataApi:
        fresh = self._mdapi is None
        api = super().mdapi
        if fresh:
            api._client.transport = self._metadata_transport  # the one seam: zeep reads it per call
        return api


def make_client(settings: SalesforceSettings, session: requests.Session, metadata: Transport) -> ScopedSalesforce:
    """Log in with whichever credentials the settings hold; secrets are unwrapped here and nowhere else."""
    common: dict[str, Any] = {"session": session, "version": settings.api_version, "metadata": metadata}
    auth = settings.auth
    if auth is SalesforceAuth.SESSION:
        return ScopedSalesforce(instance_url=settings.instance_url, session_id=_secret(settings.session_id), **common)
    if auth is SalesforceAuth.JWT:
        return ScopedSalesforce(username=settings.username, consumer_key=settings.consumer_key,
                                privatekey_file=str(settings.private_key_file), domain=settings.domain, **common)
    if auth is SalesforceAuth.CLIENT_CREDENTIALS:
        return ScopedSalesforce(consumer_key=settings.consumer_key, consumer_secret=_secret(settings.consumer_secret),
                                domain=settings.domain, **common)
    return ScopedSalesforce(username=settings.username, password=_secret(settings.password),
                            security_token=_secret(settings.security_token), domain=settings.domain, **common)


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
