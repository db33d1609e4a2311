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


def clear() -> list[Channel]:
    """Unregister every channel; returns them so that the caller can close them."""
    removed = list(_channels.values())
    _channels.clear()
    return removed
