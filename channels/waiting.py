"""A turn that found Rasa away (restarting, say): retried soon, and the person told once.

The worker retries the turn every few seconds without using up its attempts while the outage
is younger than ``OUTAGE_PATIENCE_SECONDS``; the contact's later messages queue behind it
(same contact key), so they are answered once Rasa is back, in order. Past
``RASA_WAIT_NOTICE_SECONDS`` the person gets one short notice: one per outage, not one per
message or per retry.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.models import Event, Message

from .rendering import render

logger = logging.getLogger(__name__)

NOTICE_KIND = "wait_notice"
NOTICE = "Un instant, je vous réponds dans quelques minutes."


class ServiceAway(Exception):
    """The turn is retried in ``retry_in`` seconds; ``counts_as_attempt`` False while the
    outage is young (the worker reads both)."""

    def __init__(self, message: str, retry_in: float, counts_as_attempt: bool) -> None:
        super().__init__(message)
        self.retry_in = retry_in
        self.counts_as_attempt = counts_as_attempt


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


def _notice_sent(session, message: Message) -> bool:
    """One notice per outage: none since this message arrived. The contact's later messages
    wait behind this one, so they run only once it was answered (the service back)."""
    since = message.created_at
    return (
        session.scalar(
            select(Event.id)
            .where(
                Event.kind == NOTICE_KIND,
                Event.contact_id == message.contact_id,
                Event.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def _send_notice(session, message: Message) -> None:
    from .pipeline import store_replies  # the pipeline's own helper, imported when needed

    store_replies(session, message, render([{"text": NOTICE}], message.channel), NOTICE_KIND)
    session.add(Event(kind=NOTICE_KIND, contact_id=message.contact_id, message_id=message.id))
    logger.info("message %s waits for the assistant: notice sent", message.id)
