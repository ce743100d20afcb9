"""What an entry point reads from the environment into settings (once), and the notifier wired from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.definition_files import DEFAULT_DIRECTORY
from connectors.environment import definitions_directory, load_settings
from connectors.settings import RunSettings, build
from flows.wiring import notifier


def test_notify_urls_are_split_on_spaces_and_commas_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_NOTIFY_URLS", "json://hooks.example/tok-3f9a, mailto://ops:pw-81c2@example.com  ")

    settings = build(RunSettings)

    assert [url.get_secret_value() for url in settings.notify_urls] == [
        "json://hooks.example/tok-3f9a", "mailto://ops:pw-81c2@example.com"]
    assert "tok-3f9a" not in repr(settings) and "pw-81c2" not in settings.model_dump_json()


def test_without_notify_urls_nothing_is_sent() -> None:
    assert notifier(RunSettings()).send("title", "body") is False


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_without_leadsync_definitions_the_default_directory_is_used(value: str | None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if value is not None:
        monkeypatch.setenv("LEADSYNC_DEFINITIONS", value)

    assert definitions_directory() == build(RunSettings).definitions == DEFAULT_DIRECTORY
    assert definitions_directory(Path("elsewhere")) == Path("elsewhere")


def test_every_setting_comes_from_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_DEFINITIONS", "/srv/definitions")
    monkeypatch.setenv("LEADSYNC_MAX_CHANGES", "7")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_INSTANCE_URL", "https://sf.example")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_BASE_URL", "http://hs.example")

    settings = load_settings()  # no LEADSYNC_SECRETS_BLOCK: no Prefect block is read

    assert (settings.run.definitions, settings.run.max_changes) == (Path("/srv/definitions"), 7)
    assert settings.salesforce.instance_url == "https://sf.example" and settings.hubspot.base_url == "http://hs.example"
    assert settings.run.secrets_block is None
