"""The connector errors of leadsync's exception tree (its root, `LeadsyncError`, is in mapping/errors.py).

    LeadsyncError                                  mapping/errors.py: the root
    ├── ConnectorError(system, operation)          a vendor API or the state store failed
    │   ├── TransientError                         worth retrying (tenacity retries exactly these)
    │   │   ├── RateLimitedError(retry_after)      429, or HubSpot's secondly/ten-secondly limit
    │   │   ├── UnavailableError                   5xx, HTML error pages, connection resets, timeouts
    │   │   ├── SessionExpiredError                Salesforce INVALID_SESSION_ID (re-login, capped)
    │   │   └── RowLockError                       Salesforce UNABLE_TO_LOCK_ROW
    │   ├── WriteOutcomeUnknownError               a write with no answer: read back before resending
    │   ├── PermanentError                         retrying cannot help
    │   │   ├── AuthError                          bad credentials or a refused login
    │   │   ├── ForbiddenError                     missing permission
    │   │   ├── NotFoundError                      the record or resource does not exist
    │   │   └── InvalidRequestError                the request was refused as malformed (a bug, or bad data)
    │   ├── BudgetExhaustedError(used, limit)      the run's share of the daily API budget is spent: stop cleanly
    │   ├── RunLockedError(kind, holder)           another run of the same kind holds the lock: refuse, never both write
    │   └── StateStoreError(operation, error)      connectors/store/sql_state.py: the database failed
    └── ConfigurationError(variable, problem)      a missing or invalid setting, named by its variable

tests/unit/test_error_trees.py checks this drawing against the classes.
Messages carry the system, the operation, status and vendor error codes: never bodies, tokens or emails.
A translated error keeps only the *type name* of the failure it translates (`cause`), never the failure itself:
a vendor's exception text holds request URLs (SOQL `Email IN (…)` lists), response bodies and SQL parameters, and
a logged traceback (a failed Prefect task's, say) prints every exception of the chain. `translate_call` cuts it.
Per-record failures are `WriteOutcome` values, not exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self, TypeVar

from mapping.errors import LeadsyncError

T = TypeVar("T")


class ConnectorError(LeadsyncError):
    def __init__(self, system: str, operation: str, detail: str = "") -> None:
        self.system = system
        self.operation = operation
        self.detail = detail
        self.cause = ""  # the type name of the failure this error translates (the failure itself is dropped)
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.system} {self.operation} failed" + (f": {self.detail}" if self.detail else "")
        return text + (f" [{self.cause}]" if self.cause else "")

    def translating(self, failure: BaseException) -> Self:
        """Record what this error stands for by type name only; raise it `from None` to drop the failure."""
        self.cause = type(failure).__name__
        self.args = (self._message(),)
        return self


def translate_call(operation: str, fn: Callable[[], T], translate: Callable[[str, Exception], ConnectorError]) -> T:
    """`fn()`, a failure turned into `translate(operation, failure)`: the failure's type name kept, its text cut.

    Raised outside the handler and `from None`, so the new error has neither a cause nor a context to print.
    Errors of ours (a connector error, a setting the client factory refused) pass unchanged.
    """
    try:
        return fn()
    except LeadsyncError:
        raise
    except Exception as failure:  # noqa: BLE001 - every vendor failure is translated, none escapes raw
        error = translate(operation, failure).translating(failure)
    raise error from None


class TransientError(ConnectorError):
    """A failure that may succeed if tried again later."""


class RateLimitedError(TransientError):
    def __init__(self, system: str, operation: str, retry_after: float | None = None, detail: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(system, operation, detail or "rate limited")


class UnavailableError(TransientError):
    """The service answered 5xx, an HTML error page, or not at all (reset, timeout).

    `maybe_processed`: the request may have reached the service and been carried out (a read timeout, a reset
    after sending, a gateway's 502/504). Safe to retry for reads; a write must be checked before it is resent.
    """

    def __init__(self, system: str, operation: str, detail: str = "", maybe_processed: bool = False) -> None:
        self.maybe_processed = maybe_processed
        super().__init__(system, operation, detail)


class WriteOutcomeUnknownError(ConnectorError):
    """A write got no answer and may have been carried out: never retried blindly; the caller reads back first."""


class SessionExpiredError(TransientError):
    """The session id or token is no longer valid; the connector logs in again (a bounded number of times)."""


class RowLockError(TransientError):
    """Salesforce could not lock a row another process was updating."""


class PermanentError(ConnectorError):
    """A failure that retrying cannot fix."""


class AuthError(PermanentError):
    pass


class ForbiddenError(PermanentError):
    pass


class NotFoundError(PermanentError):
    pass


class InvalidRequestError(PermanentError):
    pass


class BudgetExhaustedError(ConnectorError):
    """The configured share of the daily API budget is used; the run checkpoints and stops."""

    def __init__(self, system: str, used: int, limit: int) -> None:
        self.used = used
        self.limit = limit
        super().__init__(system, "budget", f"{used} of {limit} calls allowed for this run are used")


class RunLockedError(ConnectorError):
    """Another run of this kind is in progress (one run of a kind at a time, across workers)."""

    def __init__(self, kind: str, holder: str) -> None:
        self.kind = kind
        self.holder = holder
        super().__init__("state", "lock", f"a {kind} run ({holder[:8]}) is already in progress "
                         "(the lock of a run that died lapses within 5 minutes)")


class ConfigurationError(LeadsyncError):
    """A setting is missing or invalid; the message names the environment variable to fix."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")
