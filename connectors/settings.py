"""Configuration from the environment (pydantic-settings). Secrets are `SecretStr`, unwrapped only by clients.

Nothing is read at import time, and nothing below the entry points reads the environment: the CLI commands and the
Prefect flows call `connectors.environment.load_settings()` once and pass the result down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from connectors.definition_files import DEFAULT_DIRECTORY
from connectors.errors import ConfigurationError
from mapping.definition.api_names import api_name_problem

S = TypeVar("S", bound=BaseSettings)


class SalesforceAuth(StrEnum):
    SESSION = "session"  # instance URL + session id (e.g. the sandbox, or a token from elsewhere)
    PASSWORD = "password"  # username + password + security token (SOAP login)
    JWT = "jwt"  # username + connected-app consumer key + private key file
    CLIENT_CREDENTIALS = "client_credentials"  # consumer key + consumer secret (+ my-domain)


class SalesforceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADSYNC_SALESFORCE_", extra="ignore")

    instance_url: str | None = None
    session_id: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    domain: str = "login"
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: Path | None = None
    ca_bundle: Path | None = None
    api_version: str = "59.0"
    timeout_s: float = Field(default=60.0, gt=0)
    sla_flag_field: str | None = None  # a Lead datetime field set to the breach instant; unset: a Task for the owner

    @field_validator("sla_flag_field")
    @classmethod
    def _an_api_name(cls, value: str | None) -> str | None:
        """It goes into SOQL select lists: an API name, so it can never change a query's shape."""
        problem = api_name_problem("salesforce", value) if value is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def auth(self) -> SalesforceAuth:
        """The login flow the given variables select; raises naming what is missing."""
        if self.session_id and self.instance_url:
            return SalesforceAuth.SESSION
        if self.username and self.consumer_key and self.private_key_file:
            return SalesforceAuth.JWT
        if self.consumer_key and self.consumer_secret:
            return SalesforceAuth.CLIENT_CREDENTIALS
        if self.username and self.password:
            return SalesforceAuth.PASSWORD
        raise ConfigurationError(
            "LEADSYNC_SALESFORCE_*",
            "no complete credentials: set INSTANCE_URL + SESSION_ID, or USERNAME + PASSWORD + SECURITY_TOKEN, "
            "or USERNAME + CONSUMER_KEY + PRIVATE_KEY_FILE (JWT), or CONSUMER_KEY + CONSUMER_SECRET",
        )


class HubSpotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADSYNC_HUBSPOT_", extra="ignore")

    access_token: SecretStr | None = None
    base_url: str = "https://api.hubapi.com"
    timeout_s: float = Field(default=30.0, gt=0)
    # the pace until HubSpot's X-HubSpot-RateLimit-* headers announce the real limits (which then replace them)
    calls_per_10s: int = Field(default=190, gt=0)  # private apps get 190 (Pro/Enterprise)
    search_calls_per_s: int = Field(default=5, gt=0)  # the search API allows 5 per second per account

    def token(self) -> SecretStr:
        if self.access_token is None:
            raise ConfigurationError("LEADSYNC_HUBSPOT_ACCESS_TOKEN", "is not set (a private-app access token)")
        return self.access_token


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADSYNC_", extra="ignore")

    definitions: Path = DEFAULT_DIRECTORY
    database_url: SecretStr = SecretStr("sqlite:///.leadsync/state.db")  # may hold a password: unwrapped by the store only
    budget_share: float = Field(default=0.20, gt=0, le=1)  # of the daily API budget one run may use
    overlap_s: int = Field(default=300, ge=0)  # incremental windows start this much before the watermark
    max_changes: int = Field(default=500, ge=0)  # blast radius: records one run may change …
    write_settle_s: float = Field(default=30.0, ge=0)  # after a write with no answer: wait, read back, resend if absent
    apply_wait_s: float = Field(default=600.0, ge=0)  # how long a run waits for another run's writes to finish
    max_change_share: float = Field(default=0.50, gt=0, le=1)  # … and their share of the leads seen (≥ 50 changes)
    # apprise URLs for breach notifications, space- or comma-separated; they often embed tokens or passwords
    notify_urls: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    secrets_block: str | None = None  # a Prefect Secret block holding the credentials (connectors.environment)

    @field_validator("definitions", mode="before")
    @classmethod
    def _default_when_empty(cls, value: Any) -> Any:
        """An empty LEADSYNC_DEFINITIONS means the default directory (as `environment.definitions_directory` says)."""
        return DEFAULT_DIRECTORY if value == "" else value

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        return tuple(url for url in re.split(r"[\s,]+", value) if url) if isinstance(value, str) else value


@dataclass(frozen=True)
class Settings:
    """Everything a run is configured by: read once where the process starts, then passed down."""

    run: RunSettings
    salesforce: SalesforceSettings
    hubspot: HubSpotSettings


def build(settings_class: type[S], **overrides: Any) -> S:
    """Build one settings model, turning validation errors into a message naming the variable."""
    try:
        return settings_class(**overrides)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        prefix = str(settings_class.model_config.get("env_prefix", ""))
        variable = prefix + "_".join(str(part) for part in error["loc"]).upper()
        raise ConfigurationError(variable, str(error["msg"]).removeprefix("Value error, ")) from None
