"""Which channel modules are active: those whose credentials are set (see setup.py)."""

from __future__ import annotations

from .base import Channel

_channels: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _channels[channel.name] = channel


def get_channel(name: str) -> Channel | None:
    return _channels.get(name)


def active_channels() -> list[str]:
    return sorted(_channels)


def for_webhook(path: str) -> tuple[Channel, str] | None:
    """The first registered channel that answers this webhook path, and with which method
    (SMS and WhatsApp share Twilio's: either one parses both)."""
    for channel in _channels.values():
        method = channel.webhooks.get(path)
        if method is not None:
            return channel, method
    return None


def clear() -> list[Channel]:
    """Unregister every channel; returns them so that the caller can close them."""
    removed = list(_channels.values())
    _channels.clear()
    return removed
