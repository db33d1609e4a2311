"""Rasa's own Twilio connector (rasa.core.channels.twilio, Rasa 3.6), unchanged but for where
its Twilio REST calls go: the local fake Twilio of bench/load.py instead of api.twilio.com.
What a Rasa user would deploy, measured on the same model and load as our gateway.

Loaded by the Rasa server (Python 3.10 environment) from the credentials file bench/load.py
writes: ``bench.rasa_twilio.LocalTwilioInput: {account_sid, auth_token, twilio_number,
api_base_url}``. Not used outside the bench.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from twilio.http.http_client import TwilioHttpClient


class LocalHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, every ``*.twilio.com`` URL sent to ``base_url``."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.target = urlsplit(base_url.rstrip("/"))

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("twilio.com"):
            url = urlunsplit((self.target.scheme, self.target.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


class LocalTwilioInput(TwilioInput):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        channel = cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
        )
        channel.api_base_url = str(credentials.get("api_base_url") or "")
        return channel

    def get_output_channel(self) -> OutputChannel:
        output = TwilioOutput(self.account_sid, self.auth_token, self.twilio_number)
        output.http_client = LocalHttpClient(self.api_base_url)
        return output
