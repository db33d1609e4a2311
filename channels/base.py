"""The one small interface every channel implements, in the spirit of RapidPro's courier.

A channel module knows its provider's quirks (signatures, payload shapes, limits) and nothing
else: persisting, ordering and talking to Rasa are the pipeline's job (pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request, Response

from backend.models import Contact, Message


@dataclass
class Inbound:
    """A message as a provider delivered it, before it is persisted."""

    channel: str
    address: str  # E.164 phone, Telegram user id, web session id
    text: str
    provider_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class SendResult:
    provider_id: str | None
    status: str = "sent"  # sent / queued / failed
    error_code: str | None = None
    error_detail: str | None = None
    retry: bool = False  # a transient failure (throttled, timeout): try again later
    throttled: bool = False  # the provider asked us to slow down: retried without a cap
    retry_in: float | None = None  # the provider said when to try again (seconds)
    contact_stopped: bool = False  # the provider says the person opted out or blocked us
    sent_as: str | None = None  # how it went out when not as asked (WhatsApp template, SMS)


class Channel(Protocol):
    name: str

    async def receive(self, request: Request) -> Response:
        """Verify, parse, persist and enqueue a provider's inbound request; answer fast."""

    def send(self, contact: Contact, message: Message) -> SendResult:
        """Deliver one rendered outbound message to the provider."""

    async def status(self, request: Request) -> Response:
        """Record a provider's delivery status callback."""
