"""Register the channels whose credentials are set, in the web process and in the worker.

Adding a channel: its module (a class implementing base.Channel: webhooks, settings prefix,
``configured``, receive / status / send) and one line in CHANNELS below. Its settings go to
backend/core/config.py like any other.
"""

from __future__ import annotations

import logging
import threading

from backend.core.config import Settings, get_settings

from . import registry
from .base import Channel
from .telegram import TelegramChannel
from .twilio import TwilioSmsChannel, TwilioWhatsAppChannel

logger = logging.getLogger(__name__)

# Every channel there is, in the order webhooks shared by two of them are offered.
CHANNELS: tuple[type[Channel], ...] = (
    TwilioSmsChannel,
    TwilioWhatsAppChannel,
    TelegramChannel,
)

_lock = threading.Lock()
_configured_for: tuple | None = None


def _fingerprint(settings: Settings) -> tuple:
    prefixes = tuple({channel.settings_prefix for channel in CHANNELS})
    return tuple(
        getattr(settings, name)
        for name in sorted(Settings.model_fields)
        if name.startswith(prefixes) or name == "public_base_url"
    )


def build_channels(settings: Settings) -> list[Channel]:
    return [channel(settings) for channel in CHANNELS if channel.configured(settings)]  # type: ignore[call-arg]


def channels_for_webhook(path: str) -> list[str]:
    """The channels that would answer this webhook path, configured or not (error messages)."""
    return [channel.name for channel in CHANNELS if path in channel.webhooks]


def configure_channels(settings: Settings | None = None) -> list[str]:
    """(Re)build the registry from the settings; a no-op while they are unchanged."""
    global _configured_for
    settings = settings or get_settings()
    fingerprint = _fingerprint(settings)
    with _lock:
        if fingerprint != _configured_for:
            for old in registry.clear():
                close = getattr(old, "close", None)
                if close is not None:
                    close()
            for channel in build_channels(settings):
                registry.register(channel)
            _configured_for = fingerprint
            logger.info("channels: %s", ", ".join(registry.active_channels()) or "none")
    return registry.active_channels()
