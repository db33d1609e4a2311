"""A turn that finds a service away (Rasa restarting, the action server or the backend API
down): retried soon, the person told once.

The worker retries the turn every ``OUTAGE_RETRY_SECONDS`` without using up its attempts while
the message is younger than ``OUTAGE_PATIENCE_SECONDS``; the contact's later messages queue
behind it (same contact key), so nothing is answered out of order and the message is applied
once the service is back. Past ``RASA_WAIT_NOTICE_SECONDS`` the person gets one short notice:
one per silence (none since their last real reply), not one per message or per retry.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.messages import text
from backend.models import Event, Message, MessageDirection
from backend.services.events import EventKind, record_event
from backend.services.outbox import store_replies

from .optout import is_opt_in, is_opt_out
from .rendering import render

logger = logging.getLogger(__name__)

NOTICE_KIND = EventKind.wait_notice  # the event and the notice message's payload kind
NOTICE = text("wait_notice")
# A service seen up is not asked again for this long (one check per second, not per turn).
UP_CACHE_SECONDS = 1.0


class ServiceAway(Exception):
    """The turn is retried in ``retry_in`` seconds; ``counts_as_attempt`` False while the
    outage is young (the worker reads both)."""

    def __init__(self, message: str, retry_in: float, counts_as_attempt: bool) -> None:
        super().__init__(message)
        self.retry_in = retry_in
        self.counts_as_attempt = counts_as_attempt


_seen_up: dict[str, float] = {}
_lock = threading.Lock()
# One client for the checks: a new one per call built its TLS context each time (~10 ms CPU).
_client = httpx.Client(timeout=2)


def services_away() -> str | None:
    """The first service a turn needs that does not answer, or None (checked only with
    CHECK_SERVICES_BEFORE_TURN; Rasa itself is found away by the turn)."""
    settings = get_settings()
    if not settings.check_services_before_turn:
        return None
    checks = {
        "action server": f"{settings.action_server_url.rstrip('/')}/health",
        "backend API": f"{settings.backend_url.rstrip('/')}/healthz",
    }
    now = time.monotonic()
    for name, url in checks.items():
        with _lock:
            if now - _seen_up.get(url, -UP_CACHE_SECONDS) < UP_CACHE_SECONDS:
                continue
        try:
            up = _client.get(url).status_code == 200
        except httpx.HTTPError:
            up = False
        if not up:
            return name
        with _lock:
            _seen_up[url] = now
    return None


def must_wait(message_id: int) -> str | None:
    """The service this turn waits for, if any. STOP and START never wait: the gateway
    answers them itself."""
    away = services_away()
    if away is None:
        return None
    with session_scope() as session:
        message = session.get(Message, message_id)
        text = (message.text or "") if message else ""
    return None if is_opt_out(text) or is_opt_in(text) else away


def turn_waits(message_id: int, reason: str) -> ServiceAway:
    """Record that this turn waits for a service; send the notice if it is due. Returns the
    exception the task handler raises."""
    settings = get_settings()
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is None:
            return ServiceAway(reason, settings.outage_retry_seconds, True)
        age = (utcnow() - message.created_at).total_seconds()
        if age >= settings.rasa_wait_notice_seconds and not _notice_sent(session, message):
            _send_notice(session, message)
        young = age < settings.outage_patience_seconds
    return ServiceAway(reason, settings.outage_retry_seconds, counts_as_attempt=not young)


def _last_reply_at(session: Session, contact_id: int) -> datetime | None:
    """When the contact last got a real answer (not a notice of ours)."""
    recent = session.scalars(
        select(Message)
        .where(
            Message.contact_id == contact_id,
            Message.direction == MessageDirection.outbound,
            Message.in_reply_to_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(50)
    )
    for reply in recent:
        if (reply.payload or {}).get("kind") != NOTICE_KIND:
            return reply.created_at
    return None


def _notice_sent(session: Session, message: Message) -> bool:
    """A notice since the last real reply: the person was told already (this outage)."""
    query = select(Event.id).where(
        Event.kind == NOTICE_KIND, Event.contact_id == message.contact_id
    )
    since = _last_reply_at(session, message.contact_id)
    if since is not None:
        query = query.where(Event.created_at >= since)
    return session.scalar(query.limit(1)) is not None


def _send_notice(session: Session, message: Message) -> None:
    store_replies(session, message, render([{"text": NOTICE}], message.channel), NOTICE_KIND)
    record_event(session, NOTICE_KIND, contact_id=message.contact_id, message_id=message.id)
    logger.info("message %s waits for a service: notice sent", message.id)
