"""Register the channels whose credentials are set, in the web process and in the worker."""

from __future__ import annotations

import logging
import threading

from backend.core.config import Settings, get_settings

from . import registry
from .registry import Channel

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_configured_for: tuple | None = None


def _fingerprint(settings: Settings) -> tuple:
    return tuple(
        getattr(settings, name)
        for name in sorted(Settings.model_fields)
        if name.startswith(("twilio_", "telegram_")) or name == "public_base_url"
    )


def build_channels(settings: Settings) -> list[Channel]:
    from .telegram import TelegramChannel
    from .twilio import TwilioSmsChannel, TwilioWhatsAppChannel

    channels: list[Channel] = []
    twilio_ok = bool(settings.twilio_account_sid and settings.twilio_auth_token)
    if twilio_ok and settings.twilio_from_number:
        channels.append(TwilioSmsChannel(settings))
    if twilio_ok and settings.twilio_whatsapp_from:
        channels.append(TwilioWhatsAppChannel(settings))
    if settings.telegram_bot_token:
        channels.append(TelegramChannel(settings))
    return channels


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
