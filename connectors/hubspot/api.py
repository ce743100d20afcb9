"""One hubspot-api-client with the call discipline: adaptive rate limits, budget, retries, a timeout per call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hubspot import HubSpot
from urllib3.util.retry import Retry

from connectors.errors import RateLimitedError, UnavailableError, WriteOutcomeUnknownError
from connectors.hubspot.translate import call, rate_limit_headers
from connectors.ports import CallGate
from connectors.resilience import AdaptiveLimiter, Announced, ApiBudget, Slot, retry_policy
from connectors.settings import HubSpotSettings

T = TypeVar("T")
# The client's own retries (urllib3's default Retry(3): a GET's 429 that names a wait, connection errors) would
# happen out of sight of our limiter, counters and budget; hubspot.md §1.6. Every retry is ours.
NO_CLIENT_RETRIES = Retry(total=False)


class HubSpotApi:
    def __init__(self, settings: HubSpotSettings, budget: ApiBudget, gate: CallGate | None = None) -> None:
        self.settings = settings
        self.budget = budget
        self.gate = gate  # limits shared with other processes (a fanned-out backfill's slices), before our own
        token = settings.token().get_secret_value()
        client = HubSpot(access_token=token, host=settings.base_url, base_url=settings.base_url,
                         retry=NO_CLIENT_RETRIES)
        # Discovery builds a new ApiClient per attribute access: hold on to each API object to reuse connections.
        self.search_api = client.crm.contacts.search_api
        self.batch_api = client.crm.contacts.batch_api
        self.properties_api = client.crm.properties.core_api
        self.owners_api = client.crm.owners.owners_api
        self.limiter = AdaptiveLimiter(settings.calls_per_10s, 10.0)
        self.search_limiter = AdaptiveLimiter(settings.search_calls_per_s, 1.0)
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
                return self._attempt(operation, fn, search, write)
        raise AssertionError("unreachable: the retry policy reraises")

    def _attempt(self, operation: str, fn: Callable[[float], tuple[Any, int, Any]], search: bool,
                 write: bool) -> Any:
        limiter = self.search_limiter if search else self.limiter
        refused: dict[str, Any] = {}
        if self.gate is not None:
            self.gate("hubspot-search" if search else "hubspot")
        slot = limiter.acquire()
        try:
            data, _status, headers = call(operation, lambda: _keeping_headers(fn, self.settings.timeout_s, refused))
        except RateLimitedError:
            self.rate_limited += 1
            self._observe(slot, search, refused.get("headers") or {})
            raise
        except UnavailableError as exc:
            limiter.release(slot)
            if write and exc.maybe_processed:
                raise WriteOutcomeUnknownError(exc.system, operation, exc.detail) from exc
            raise
        except BaseException:
            limiter.release(slot)
            raise
        self._observe(slot, search, headers or {})
        return data

    def _observe(self, slot: Slot, search: bool, headers: Any) -> None:
        """Feed an answer's X-HubSpot-RateLimit-* headers to the limiters and the daily budget (hubspot.md §7.2)."""
        (self.search_limiter if search else self.limiter).release(slot)
        seen = rate_limit_headers(headers)
        burst = Announced(_int(seen, "max"), _int(seen, "remaining"), _seconds(seen, "interval-milliseconds"))
        if search:
            # search has its own per-second limit; whatever burst headers a search answer carries describe the
            # general window (which HubSpot may or may not count searches in): reconcile, but with no slot of ours
            self.search_limiter.observe(slot, Announced(_int(seen, "secondly"), _int(seen, "secondly-remaining"),
                                                        1.0 if "secondly" in seen else None))
            self.limiter.observe(Slot(slot.sent_at), burst)
        else:  # -Secondly on general answers is deprecated and no longer enforced (hubspot.md §7.2)
            self.limiter.observe(slot, burst)
        daily, remaining = _int(seen, "daily"), _int(seen, "daily-remaining")
        if daily is not None and remaining is not None:
            self.budget.observe(daily - remaining, daily)

    def close(self) -> None:
        for api in (self.search_api, self.batch_api, self.properties_api, self.owners_api):
            api.api_client.rest_client.pool_manager.clear()


def _keeping_headers(fn: Callable[[float], tuple[Any, int, Any]], timeout_s: float,
                     refused: dict[str, Any]) -> tuple[Any, int, Any]:
    """`fn(timeout_s)`; a refusal's headers (ApiException.headers) are put in `refused` on the way out."""
    try:
        return fn(timeout_s)
    except Exception as exc:
        refused["headers"] = getattr(exc, "headers", None)
        raise


def _int(seen: Mapping[str, str], name: str) -> int | None:
    value = seen.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None


def _seconds(seen: Mapping[str, str], name: str) -> float | None:
    milliseconds = _int(seen, name)
    return None if milliseconds is None else milliseconds / 1000
