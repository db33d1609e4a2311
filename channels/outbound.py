"""Delivering queued outbound messages through their channel, with retries by the queue."""

from __future__ import annotations

import logging
import random

from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.models import Contact, ContactStatus, Message, MessageStatus, utcnow
from backend.services.events import EventKind, record_event

from .base import SendResult
from .registry import get_channel

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure: the queue retries the task with backoff."""

    def __init__(self, message: str, retry_in: float | None = None) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# The provider got the request but the worker died before recording the answer (or not):
# we cannot know, so the message is not sent again but shown as failed to staff.
INTERRUPTED = "interrupted"


def send_message(message_id: int) -> None:
    with session_scope() as session:
        message = session.get(Message, message_id)
        # A worker died mid-send.
        if message is not None and message.status == MessageStatus.sending:
            _interrupted(session, message)
            return
        if message is None or message.status not in (MessageStatus.queued, MessageStatus.retrying):
            return
        contact = session.get(Contact, message.contact_id)
        assert contact is not None
        # A stopped contact gets nothing we start (reminders...), but a reply to what the
        # person just wrote is still sent: writing to us is their choice.
        if contact.status == ContactStatus.stopped and message.in_reply_to_id is None:
            message.status = MessageStatus.suppressed
            return
        channel = get_channel(message.channel)
        if channel is None:
            message.status = MessageStatus.failed
            message.error_detail = f"channel {message.channel} is not configured"
            return
        # Recorded before the provider is called: a rerun of this task after a crash finds it
        # and does not send a second time.
        message.status = MessageStatus.sending
        session.commit()
        try:
            result = channel.send(contact, message)
        except Exception as exc:  # a bug or an unforeseen provider answer: counted as a failure
            # The class only: a provider's message may quote the number or the text.
            logger.error("sending message %s failed: %s", message_id, exc.__class__.__name__)
            result = SendResult(None, "failed", "error", f"{exc.__class__.__name__}: {exc}")
            result.retry = True
        message.provider_id = result.provider_id or message.provider_id
        message.error_code = result.error_code
        message.error_detail = result.error_detail
        payload = dict(message.payload or {})
        if result.sent_as:
            payload["sent_as"] = result.sent_as
        if result.contact_stopped:
            contact.status = ContactStatus.stopped
            contact.stopped_at = utcnow()
            record_event(
                session,
                EventKind.contact_opt_out,
                contact_id=contact.id,
                beneficiary_id=contact.beneficiary_id,
                message_id=message.id,
                data={"source": f"{message.channel} error {result.error_code}"},
            )
            message.status = MessageStatus.failed
            message.payload = payload
            return
        if result.retry:
            delay = _retry_delay(payload, result)
            message.payload = payload
            if delay is None:  # retried enough: it stays visible as failed
                message.status = MessageStatus.failed
                return
            message.status = MessageStatus.retrying
            session.commit()
            raise RetryLater(result.error_detail or result.error_code or "retry", retry_in=delay)
        message.payload = payload
        message.status = MessageStatus(result.status)


def _retry_delay(payload: dict, result: SendResult) -> float | None:
    """Seconds until the next try (counts kept on the message), or None to give up.

    Throttling (429) is the provider asking us to slow down: retried with backoff, without a
    cap of its own. Other transient failures get SEND_MAX_RETRIES retries.
    """
    counter = "throttled" if result.throttled else "failures"
    count = payload[counter] = int(payload.get(counter, 0)) + 1
    if not result.throttled and count > get_settings().send_max_retries:
        return None
    if result.retry_in is not None:
        return result.retry_in
    return min(2.0**count, 300.0) * random.uniform(1.0, 1.25)


def gave_up(message_id: int) -> None:
    """The queue stopped retrying the task (many 429s, say): make the failure visible."""
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None and message.status in (MessageStatus.queued, MessageStatus.retrying):
            message.status = MessageStatus.failed
            message.error_detail = (message.error_detail or "") + " (gave up after retries)"


def _interrupted(session, message: Message) -> None:
    message.status = MessageStatus.failed
    message.error_code = INTERRUPTED
    message.error_detail = "worker stopped while sending: delivery unknown, not sent again"
    record_event(
        session, EventKind.send_interrupted, contact_id=message.contact_id, message_id=message.id
    )
    logger.error("message %s: worker stopped while sending it, not sent again", message.id)
