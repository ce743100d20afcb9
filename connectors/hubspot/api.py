"""One hubspot-api-client with the call discipline: client-side rate limits, budget, retries, a timeout per call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hubspot import HubSpot

from connectors.errors import RateLimitedError, UnavailableError, WriteOutcomeUnknownError
from connectors.hubspot.translate import call
from connectors.resilience import ApiBudget, SlidingWindowLimiter, retry_policy
from connectors.settings import HubSpotSettings

T = TypeVar("T")


class HubSpotApi:
    def __init__(self, settings: HubSpotSettings, budget: ApiBudget) -> None:
        self.settings = settings
        self.budget = budget
        token = settings.token().get_secret_value()
        client = HubSpot(access_token=token, host=settings.base_url, base_url=settings.base_url)
        # Discovery builds a new ApiClient per attribute access: hold on to each API object to reuse connections.
        self.search_api = client.crm.contacts.search_api
        self.batch_api = client.crm.contacts.batch_api
        self.properties_api = client.crm.properties.core_api
        self.owners_api = client.crm.owners.owners_api
        self.limiter = SlidingWindowLimiter(settings.calls_per_10s, 10.0)
        self.search_limiter = SlidingWindowLimiter(settings.search_calls_per_s, 1.0)
        self.rate_limited = 0  # 429s met (each was retried after the server's wait)
        self.retries = 0  # attempts after the first, over all calls

    def run(self, operation: str, fn: Callable[[float], tuple[Any, int, Any]], search: bool = False,
            write: bool = False) -> Any:
        """Call `fn(timeout)` (a `*_with_http_info` call) under the limits; returns the response body.

        A `write` that may have been carried out without an answer is not retried: `WriteOutcomeUnknownError`.
        """
        for attempt in retry_policy():
            with attempt:
                self.retries += attempt.retry_state.attempt_number > 1
                self.budget.spend()
                if search:
                    self.search_limiter.acquire()
                else:
                    self.limiter.acquire()
                try:
                    data, _status, headers = call(operation, lambda: fn(self.settings.timeout_s))
                except RateLimitedError:
                    self.rate_limited += 1
                    raise
                except UnavailableError as exc:
                    if write and exc.maybe_processed:
                        raise WriteOutcomeUnknownError(exc.system, operation, exc.detail) from exc
                    raise
                self._observe(headers or {})
                return data
        raise AssertionError("unreachable: the retry policy reraises")

    def _observe(self, headers: Any) -> None:
        pairs = headers.items() if hasattr(headers, "items") else headers  # a header dict, or a list of pairs
        lowered = {str(k).lower(): v for k, v in pairs}
        remaining = lowered.get("x-hubspot-ratelimit-daily-remaining")
        limit = lowered.get("x-hubspot-ratelimit-daily")
        if remaining is not None and limit is not None:
            self.budget.observe(int(limit) - int(remaining), int(limit))

    def close(self) -> None:
        for api in (self.search_api, self.batch_api, self.properties_api, self.owners_api):
            api.api_client.rest_client.pool_manager.clear()
