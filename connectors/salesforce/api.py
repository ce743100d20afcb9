"""One logged-in client with the call discipline: budget check, retries for transient errors, capped re-login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

from simple_salesforce import Salesforce

from connectors.errors import AuthError, RateLimitedError, SessionExpiredError, UnavailableError, WriteOutcomeUnknownError
from connectors.resilience import ApiBudget, retry_policy
from connectors.salesforce.client import make_client, make_session, metadata_transport
from connectors.salesforce.translate import call
from connectors.settings import SalesforceAuth, SalesforceSettings

T = TypeVar("T")
MAX_RELOGINS = 2
PAGE_HEADERS = {"Sforce-Query-Options": "batchSize=2000"}


class SalesforceApi:
    def __init__(self, settings: SalesforceSettings, budget: ApiBudget) -> None:
        self.settings = settings
        self.budget = budget
        self.session = make_session(settings, budget)
        self.metadata = metadata_transport(settings, budget)
        self.client: Salesforce = call("login", lambda: make_client(settings, self.session, self.metadata))
        self.relogins = 0
        self.rate_limited = 0  # 429s met (each was retried after a wait)
        self.retries = 0  # attempts after the first, over all calls

    def run(self, operation: str, fn: Callable[[Salesforce], T], write: bool = False) -> T:
        """Call `fn(client)` once per attempt: budget first, transient errors retried, expired sessions renewed.

        A `write` that may have been carried out without an answer is not retried: `WriteOutcomeUnknownError`.
        """
        for attempt in retry_policy():
            with attempt:
                self.retries += attempt.retry_state.attempt_number > 1
                self.budget.spend()
                try:
                    return call(operation, lambda: fn(self.client))
                except SessionExpiredError:
                    self._relogin(operation)
                    raise
                except RateLimitedError:
                    self.rate_limited += 1
                    raise
                except UnavailableError as exc:
                    if write and exc.maybe_processed:
                        raise WriteOutcomeUnknownError(exc.system, operation, exc.detail) from exc
                    raise
        raise AssertionError("unreachable: the retry policy reraises")

    def _relogin(self, operation: str) -> None:
        if self.settings.auth is SalesforceAuth.SESSION or self.relogins >= MAX_RELOGINS:
            raise AuthError("salesforce", operation, "the session expired and cannot be renewed")
        self.relogins += 1
        self.client = call("login", lambda: make_client(self.settings, self.session, self.metadata))

    def query_pages(self, soql: str, operation: str = "query") -> Iterator[list[dict[str, Any]]]:
        """Pages of records (2,000 each), following nextRecordsUrl; each page is one retried call."""
        result = self.run(operation, lambda sf: sf.query(soql, headers=PAGE_HEADERS))
        while True:
            yield [_strip(record) for record in result.get("records", [])]
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = self.run(operation, partial(_next_page, next_url))

    def count(self, soql: str) -> int:
        return int(self.run("count", lambda sf: sf.query(soql)).get("totalSize", 0))

    def restful(self, path: str, method: str, payload: Any, operation: str, headers: dict[str, str],
                write: bool = False) -> Any:
        return self.run(operation, lambda sf: sf.restful(path, method=method, json=payload, headers=headers), write)

    def close(self) -> None:
        self.session.close()
        self.metadata.session.close()


def _next_page(url: str, sf: Salesforce) -> Any:
    return sf.query_more(url, identifier_is_url=True, headers=PAGE_HEADERS)


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    record.pop("attributes", None)
    return record
