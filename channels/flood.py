"""Flood control: a burst from one contact gets a few replies, not one per message.

Checked when a contact's turn starts, in the worker, which holds that contact's lease: it
runs one message at a time per contact and never slows another contact. Every inbound message
is stored whatever happens here.

1. **Batching.** When newer messages from the same contact are already waiting, this one is
   superseded: it gets no turn of its own (status ``batched``) and the latest one gets the
   turn. Latest-only rather than joined texts: joined, "1", "2", "3" would read as the
   multi-choice answer "1 2 3"; answered one by one, they would answer questions the person has
   not seen yet. The latest is their last word on the one question they saw; the earlier texts
   stay in the conversation for the referent. STOP / START are never batched.
2. **Rate.** Past FLOOD_MAX_REPLIES answered turns within FLOOD_WINDOW_SECONDS, the contact
   gets one notice, then silence until the window has room again; the latest message waiting
   is answered then (its turn is queued for that time), as the notice promises.

The simulator (inline, for coordinators and tests) is not limited.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.messages import text
from backend.models import Contact, Message, MessageDirection, MessageStatus
from backend.services import queue
from backend.services.events import EventKind, record_event
from backend.services.outbox import store_replies

from .optout import is_opt_in, is_opt_out
from .rendering import render
from .turns import PROCESS_TASK, contact_key

logger = logging.getLogger(__name__)

BATCHED = MessageStatus.batched
NOTICE_KIND = EventKind.flood_notice  # the event and the notice message's payload kind
NOTICE = text("flood_notice")


def hold_back(session: Session, message: Message, contact: Contact) -> bool:
    """True when this message gets no turn now (superseded, or over the rate); whatever it
    needs instead (status, notice, a later turn) is stored in ``session``."""
    text = message.text or ""
    if message.simulated or is_opt_out(text) or is_opt_in(text):
        return False
    if newer_waiting(session, message):
        message.status = BATCHED
        return True
    settings = get_settings()
    now = utcnow()
    window = timedelta(seconds=settings.flood_window_seconds)
    turns = answered_turns(session, contact.id, now - window)
    if len(turns) < settings.flood_max_replies:
        return False
    # Over the rate: the turn that frees a place in the window decides when we answer.
    answer_at = turns[len(turns) - settings.flood_max_replies] + window
    if not notice_sent_since(session, contact.id, now - window):
        send_notice(session, message)
    defer(session, message, max(answer_at, now + timedelta(seconds=1)))
    return True


def newer_waiting(session: Session, message: Message) -> bool:
    """A later message of the contact waits: later by arrival, or for Telegram by update_id."""
    if message.channel == "telegram" and (message.provider_id or "").isdigit():
        later = session.scalars(
            select(Message.provider_id).where(
                Message.contact_id == message.contact_id,
                Message.channel == "telegram",
                Message.direction == "in",
                Message.status == "received",
                Message.id != message.id,
            )
        ).all()
        return any(p.isdigit() and int(p) > int(message.provider_id or 0) for p in later if p)
    return (
        session.scalar(
            select(Message.id)
            .where(
                Message.contact_id == message.contact_id,
                Message.direction == MessageDirection.inbound,
                Message.status == MessageStatus.received,
                Message.id > message.id,
            )
            .limit(1)
        )
        is not None
    )


def _recent_replies(session: Session, contact_id: int, since: datetime) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.contact_id == contact_id,
                Message.direction == MessageDirection.outbound,
                Message.in_reply_to_id.is_not(None),
                Message.created_at >= since,
            )
            .order_by(Message.id)
        )
    )


def answered_turns(session: Session, contact_id: int, since: datetime) -> list[datetime]:
    """When each turn answered since ``since`` got its (first) reply, oldest first."""
    first: dict[int, datetime] = {}
    for reply in _recent_replies(session, contact_id, since):
        if (reply.payload or {}).get("kind") != NOTICE_KIND and reply.in_reply_to_id:
            first.setdefault(reply.in_reply_to_id, reply.created_at)
    return sorted(first.values())


def notice_sent_since(session: Session, contact_id: int, since: datetime) -> bool:
    return any(
        (reply.payload or {}).get("kind") == NOTICE_KIND
        for reply in _recent_replies(session, contact_id, since)
    )


def send_notice(session: Session, message: Message) -> None:
    store_replies(session, message, render([{"text": NOTICE}], message.channel), NOTICE_KIND)
    record_event(session, NOTICE_KIND, contact_id=message.contact_id, message_id=message.id)
    logger.info("flood control: contact %s over the rate, notice sent", message.contact_id)


def defer(session: Session, message: Message, when: datetime) -> None:
    """Queue this message's turn again for ``when``. Messages arriving meanwhile queue behind
    it (same contact key) and are batched into the latest one then."""
    queue.enqueue(
        session,
        PROCESS_TASK,
        {"message_id": message.id},
        key=contact_key(message.contact_id),
        run_at=when,
        dedupe_key=f"inbound:{message.id}:at:{when.timestamp():.0f}",
    )
