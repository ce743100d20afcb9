"""Notifications through apprise (https://github.com/caronc/apprise): one message to every URL given.

apprise is imported only when a message goes out, so a run without notification URLs never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr


class AppriseNotifier:
    """A `Notifier` sending to apprise URLs (they often hold tokens: kept as secrets until sending)."""

    def __init__(self, urls: Sequence[SecretStr | str]) -> None:
        self.urls = tuple(url if isinstance(url, SecretStr) else SecretStr(url) for url in urls)

    def send(self, title: str, body: str) -> bool:
        """False when there is nowhere to send to, or apprise delivered to none of the URLs."""
        if not self.urls:
            return False
        import apprise

        sender = apprise.Apprise()
        for url in self.urls:
            sender.add(url.get_secret_value())
        return bool(sender.notify(title=title, body=body))
