"""Delivering queued outbound messages through their channel, with retries by the queue."""

from __future__ import annotations

import logging

from backend.core.db import session_scope
from backend.models import Contact, ContactStatus, Message, utcnow

from .registry import get_channel

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure: the queue retries the task with backoff."""

    def __init__(self, message: str, retry_in: float | None = None) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def send_message(message_id: int) -> None:
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is None or message.status not in ("queued", "retrying"):
            return
        contact = session.get(Contact, message.contact_id)
        assert contact is not None
        # A stopped contact gets nothing we start (reminders...), but a reply to what the
        # person just wrote is still sent: writing to us is their choice.
        if contact.status == ContactStatus.stopped and message.in_reply_to_id is None:
            message.status = "suppressed"
            return
        channel = get_channel(message.channel)
        if channel is None:
            message.status = "failed"
            message.error_detail = f"channel {message.channel} is not configured"
            return
        result = channel.send(contact, message)
        message.provider_id = result.provider_id or message.provider_id
        message.error_code = result.error_code
        message.error_detail = result.error_detail
        if result.contact_stopped:
            contact.status = ContactStatus.stopped
            contact.stopped_at = utcnow()
            message.status = "failed"
            return
        if result.retry:
            message.status = "retrying"
            session.commit()
            raise RetryLater(result.error_detail or result.error_code or "retry")
        message.status = result.status
