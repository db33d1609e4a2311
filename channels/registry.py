"""Which channel modules are active: web always, the others when their credentials are set."""

from __future__ import annotations

from .base import Channel

_channels: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _channels[channel.name] = channel


def get_channel(name: str) -> Channel | None:
    return _channels.get(name)


def active_channels() -> list[str]:
    return sorted(_channels)
