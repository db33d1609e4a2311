"""The backend's one time source, so that tests (and demos) can control time.

Code that decides *when* something happens (the task queue, reminders) calls ``now()``
instead of ``datetime.now``. ``set_now`` installs a fixed or moving clock; ``reset`` restores
real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_override: Callable[[], datetime] | None = None


def now() -> datetime:
    return _override() if _override is not None else datetime.now(UTC)


def utcnow() -> datetime:
    """Alias kept for modules that used ``backend.models.utcnow``."""
    return now()


class FrozenClock:
    """A clock that only moves when told to (``advance``)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        self.at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)


def set_now(clock: Callable[[], datetime] | None) -> None:
    global _override
    _override = clock


def reset() -> None:
    set_now(None)
