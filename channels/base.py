"""The one small interface every channel implements, in the spirit of RapidPro's courier.

A channel module knows its provider's quirks (signatures, payload shapes, limits) and nothing
else. It is a one-way gateway: ``receive`` and ``status`` verify and parse a provider's webhook
into an ``Inbound`` or a ``StatusUpdate`` and write nothing; ``send`` delivers one stored
message. Persisting, ordering and talking to Rasa are the pipeline's job (pipeline.py), and
the webhook routes (routes.py) join the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from fastapi import Request, Response

from backend.core.config import Settings
from backend.models import Contact, Message

WebhookMethod = Literal["receive", "status"]


@dataclass
class FollowUp:
    """A task the pipeline queues once the message is stored (answer a button's spinner...)."""

    kind: str
    payload: dict[str, Any]
    dedupe_key: str
    max_attempts: int = 2


@dataclass
class Inbound:
    """A message as a provider delivered it, before it is persisted."""

    channel: str
    address: str  # E.164 phone, Telegram user id, web session id
    text: str
    provider_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # What the pipeline does when it first stores the message (the channel only reports it):
    link_token: str | None = None  # a single-use deep-link token (Telegram "/start <token>")
    shared_phone: str | None = None  # the sender's own number, vouched for by the provider
    unblocks: bool = False  # writing to us lifts a stop that blocking us caused (Telegram)
    follow_ups: list[FollowUp] = field(default_factory=list)


InboundMessage = Inbound  # courier's name for it


@dataclass
class StatusUpdate:
    """A provider's delivery report on a message we sent, before it is applied."""

    provider: str  # names the log event of a report that matches no message of ours
    channels: tuple[str, ...]  # the channels whose outbound messages carry this provider id
    provider_id: str
    provider_status: str  # the provider's word, kept in the message's delivery history
    status: str | None  # ours (sent / delivered / failed), None when it changes nothing
    error_code: str | None = None
    error_detail: str | None = None
    contact_stopped: bool = False  # the provider says the person opted out
    raw: dict[str, Any] = field(default_factory=dict)  # logged when no message matches


@dataclass
class Ignored:
    """A webhook that is acknowledged but carries nothing for us (an edited message...)."""

    reason: str


class Refused(Exception):
    """A webhook refused before anything is stored: a 4xx with its reason."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


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
    name: ClassVar[str]
    # Webhook paths this channel answers (under /channels/), and which method takes each.
    webhooks: ClassVar[dict[str, WebhookMethod]]
    # Settings whose change rebuilds the channel (setup.py).
    settings_prefix: ClassVar[str]

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Are this channel's credentials set? (Only configured channels are registered.)"""
        ...

    async def receive(self, request: Request) -> Inbound | Ignored:
        """Verify and parse a provider's inbound webhook. Raises Refused. Writes nothing."""
        ...

    async def status(self, request: Request) -> StatusUpdate:
        """Verify and parse a delivery status callback. Raises Refused. Writes nothing."""
        ...

    def acknowledge(self) -> Response:
        """What the provider expects once its inbound webhook is stored."""
        ...

    def send(self, contact: Contact, message: Message) -> SendResult:
        """Deliver one rendered outbound message to the provider."""
        ...
