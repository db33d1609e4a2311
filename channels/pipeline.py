"""The one path every message takes, whatever its channel:

persist inbound -> (ack the provider) -> in order per contact: Rasa -> persist replies ->
render for the channel -> deliver (queue a send task, or hand back to the simulator).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import insert_unless_duplicate, session_scope
from backend.core.group_commit import write_grouped
from backend.messages import text
from backend.models import (
    Contact,
    ContactStatus,
    Event,
    Message,
    MessageDirection,
    MessageStatus,
    utcnow,
)
from backend.services import queue
from backend.services.conversation import Router
from backend.services.events import EventKind, record_event
from backend.services.outbox import contact_writing, store_replies

from . import flood
from .base import Inbound, StatusUpdate
from .linking import consume_telegram_token, link_by_shared_phone
from .optout import RESTARTED_REPLY, STOPPED_REPLY, is_opt_in, is_opt_out
from .rasa_client import RasaUnavailable, parse
from .rasa_client import turn as rasa_turn
from .rendering import Rendered, render
from .turns import PROCESS_TASK, contact_key

logger = logging.getLogger(__name__)


def persist_inbound(
    session: Session, inbound: Inbound, *, simulated: bool = False, commit: bool = True
) -> tuple[Message, bool]:
    """Store the message (committed before anyone acknowledges it; ``commit=False``: the
    caller commits).

    Returns (message, created); a provider retry of a known provider id is not stored twice.
    """
    message, _contact, created = store_inbound(session, inbound, simulated=simulated)
    if created and commit:
        session.commit()
    return message, created


def store_inbound(
    session: Session, inbound: Inbound, *, simulated: bool = False
) -> tuple[Message, Contact | None, bool]:
    """``persist_inbound`` without the commit, also returning the contact when the message is
    new (the caller uses it as is: the session keeps no strong reference to a clean object, a
    second lookup would be a SELECT)."""
    if inbound.provider_id:
        existing = session.scalar(
            select(Message).where(
                Message.channel == inbound.channel,
                Message.direction == MessageDirection.inbound,
                Message.provider_id == inbound.provider_id,
            )
        )
        if existing is not None:
            return existing, None, False
    contact = contact_writing(session, inbound.channel, inbound.address, utcnow())
    # A retry racing in on another request is refused by the INSERT itself (no savepoint).
    message = insert_unless_duplicate(
        session,
        Message,
        {
            "contact_id": contact.id,
            "direction": MessageDirection.inbound,
            "channel": inbound.channel,
            "text": inbound.text,
            "payload": inbound.payload,
            "provider_id": inbound.provider_id,
            "status": MessageStatus.received,
            "simulated": simulated,
        },
        unique=("channel", "direction", "provider_id"),
    )
    if message is None:  # the same provider id raced in on another request
        duplicate = session.scalars(
            select(Message).where(
                Message.channel == inbound.channel,
                Message.direction == MessageDirection.inbound,
                Message.provider_id == inbound.provider_id,
            )
        ).one()
        return duplicate, None, False
    return message, contact, True


def enqueue_processing(
    session: Session, message: Message, *, commit: bool = True, new: bool = False
) -> None:
    """``new``: the message was stored in this transaction, its task cannot exist yet (no
    lookup first; the unique dedupe key still refuses a second one)."""
    queue.enqueue(
        session,
        PROCESS_TASK,
        {"message_id": message.id},
        key=contact_key(message.contact_id),
        dedupe_key=f"inbound:{message.id}",
        look_first=not new,
    )
    if commit:
        session.commit()


def accept_inbound(inbound: Inbound) -> tuple[int, bool]:
    """What a webhook does before it answers: persist (deduplicated), apply what the channel
    reported with it (first delivery only), queue the processing and the channel's follow-ups.
    Returns (id, created).

    One transaction: the message is stored with its task or not at all, and on SQLite the
    webhooks arriving together share it (backend/core/group_commit.py: one disk sync for the
    group); a provider retry of a stored one finds it and queues nothing twice."""

    def work(session: Session) -> tuple[int, bool]:
        message, contact, created = store_inbound(session, inbound)
        if contact is not None:
            first_delivery(session, message, contact, inbound)
        enqueue_processing(session, message, commit=False, new=created)
        for task in inbound.follow_ups:
            queue.enqueue(
                session,
                task.kind,
                task.payload,
                dedupe_key=task.dedupe_key,
                max_attempts=task.max_attempts,
            )
        return message.id, created

    return write_grouped(work)


def first_delivery(session: Session, message: Message, contact: Contact, inbound: Inbound) -> None:
    """Unblock the contact, link them by a deep-link token or their own number, and leave the
    notice saying so for the turn (``payload["notice"]``, see ``gateway_notice``)."""
    if (
        inbound.unblocks
        and contact.status == ContactStatus.stopped
        and stopped_by_block(session, contact)
    ):
        # Writing to a bot unblocks it: they are reachable again (a STOP stays a STOP).
        contact.status = ContactStatus.active
        contact.stopped_at = None
        record_event(
            session,
            EventKind.contact_opt_in,
            contact_id=contact.id,
            beneficiary_id=contact.beneficiary_id,
            message_id=message.id,
            data={"source": f"{contact.channel} unblocked"},
        )
    payload = dict(message.payload or {})
    if inbound.link_token:
        outcome = consume_telegram_token(session, inbound.link_token, contact)
        payload["notice"] = "telegram_linked" if outcome == "linked" else "link_invalid"
    elif inbound.shared_phone:
        outcome = link_by_shared_phone(session, contact, inbound.shared_phone)
        payload["notice"] = "contact_linked" if outcome == "linked" else "contact_unknown"
        if outcome == "linked":
            payload["rasa_text"] = "/greet"  # the menu, now with their first name
    message.payload = payload


def stopped_by_block(session: Session, contact: Contact) -> bool:
    """Was the contact stopped because they blocked us (a failed send on their channel), not
    because they wrote STOP?"""
    last = session.scalar(
        select(Event)
        .where(
            Event.contact_id == contact.id,
            Event.kind.in_((EventKind.contact_opt_out, EventKind.contact_opt_in)),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    source = str((last.data or {}).get("source", "")) if last is not None else ""
    return (
        last is not None
        and last.kind == EventKind.contact_opt_out
        and source.startswith(str(contact.channel))
    )


# Our delivery statuses that no later report changes.
FINAL = {"delivered", "failed"}


def accept_status(update: StatusUpdate) -> None:
    with session_scope() as session:
        record_status(session, update)


def record_status(session: Session, update: StatusUpdate) -> Message | None:
    """Apply one delivery report; out-of-order reports never move a message backwards."""
    message = session.scalar(
        select(Message).where(
            Message.direction == MessageDirection.outbound,
            Message.channel.in_(update.channels),
            Message.provider_id == update.provider_id,
        )
    )
    if message is None:
        # Not ours, or it raced ahead of the commit of the send: kept in the log, not lost.
        record_event(session, EventKind(f"{update.provider}_status_unmatched"), data=update.raw)
        return None
    payload = dict(message.payload or {})
    history = list(payload.get("delivery") or [])
    # Providers retry a callback they think was lost: a replay is recorded once.
    if not any(
        (entry.get("status"), entry.get("error_code"))
        == (update.provider_status, update.error_code)
        for entry in history
    ):
        history.append(
            {
                "status": update.provider_status,
                "error_code": update.error_code,
                "at": utcnow().isoformat(),
            }
        )
        payload["delivery"] = history
        message.payload = payload
    if update.status and message.status not in FINAL | {"suppressed"}:
        message.status = MessageStatus(update.status)
    if update.error_code:
        message.error_code = update.error_code
        message.error_detail = update.error_detail
    if update.contact_stopped:
        contact = session.get(Contact, message.contact_id)
        if contact is not None and contact.status != ContactStatus.stopped:
            contact.status = ContactStatus.stopped
            contact.stopped_at = utcnow()
            record_event(
                session,
                EventKind.contact_opt_out,
                contact_id=contact.id,
                data={"source": update.error_code},
            )
    return message


def handle_keywords(session: Session, message: Message, contact: Contact) -> list[Rendered] | None:
    """STOP / START are the gateway's, not the dialogue's: answered once, Rasa not involved."""
    text = message.text or ""
    if is_opt_out(text):
        contact.status = ContactStatus.stopped
        contact.stopped_at = utcnow()
        kind, reply_text = "opt_out", STOPPED_REPLY
    elif is_opt_in(text):
        contact.status = ContactStatus.active
        contact.stopped_at = None
        kind, reply_text = "opt_in", RESTARTED_REPLY
    else:
        return None
    record_event(
        session,
        EventKind.contact_opt_out if kind == "opt_out" else EventKind.contact_opt_in,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=message.id,
    )
    replies = render([{"text": reply_text}], message.channel)
    store_replies(session, message, replies, kind=kind)
    message.status = MessageStatus.processed
    return replies


# What the gateway answers itself (GSM-7 clean: they go out by SMS too).
NOTICES = {
    "media": text("notice_media"),
    "empty": text("notice_empty"),
    "telegram_linked": text("notice_telegram_linked"),
    "link_invalid": text("notice_link_invalid"),
    "contact_linked": text("notice_contact_linked"),
    "contact_unknown": text("notice_contact_unknown"),
    "contact_not_own": text("notice_contact_not_own"),
}
# Commands people send that mean an intent ("/start" opens every Telegram conversation).
COMMAND_ALIASES = {"/start": "/greet"}


def gateway_notice(message: Message) -> tuple[str | None, str | None]:
    """(notice to send first, text for Rasa); no text for Rasa means the notice is the answer.

    The channel's webhook may set ``payload["notice"]`` / ``payload["rasa_text"]``.
    """
    payload = message.payload or {}
    notice = payload.get("notice")
    text = payload.get("rasa_text") or (message.text or "").strip()
    if not text:
        return notice or ("media" if payload.get("media") else "empty"), None
    return notice, COMMAND_ALIASES.get(text.lower(), text)


TELEGRAM = "telegram"


def update_id(message: Message) -> int:
    """A Telegram message's update_id (its provider id), the order Telegram gave it."""
    provider_id = message.provider_id or ""
    return int(provider_id) if provider_id.isdigit() else 0


def earliest_update(session: Session, message: Message) -> Message:
    """Telegram may deliver a contact's updates out of order (several webhook connections, a
    retried delivery): of the updates waiting, the turn goes to the first by update_id, not by
    arrival. Each task takes the earliest one waiting, so every update still gets one turn."""
    waiting = session.scalars(
        select(Message).where(
            Message.contact_id == message.contact_id,
            Message.channel == TELEGRAM,
            Message.direction == "in",
            Message.status == "received",
        )
    ).all()
    return min(waiting, key=update_id) if waiting else message


def process_inbound(message_id: int) -> list[Rendered]:
    """Run one inbound message through the turn router (backend/services/conversation.py) and,
    for what is not the questionnaire's, Rasa's dialogue; persist the replies. The caller holds
    the contact's lease, so a contact's messages are handled one at a time and in order."""
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None and message.channel == TELEGRAM:
            message = earliest_update(session, message)
            message_id = message.id
        if message is None or message.status != MessageStatus.received:
            return []  # already handled (a retried task after a crash, say)
        contact = session.get(Contact, message.contact_id)
        assert contact is not None
        if flood.hold_back(session, message, contact):  # bursts and floods: channels/flood.py
            return []
        keyword_replies = handle_keywords(session, message, contact)
        if keyword_replies is not None:
            return keyword_replies
        notice, text = gateway_notice(message)
        if text is None:  # nothing for the dialogue: a photo, an empty message...
            replies = render([{"text": NOTICES[notice or "empty"]}], message.channel)
            store_replies(session, message, replies, kind=notice)
            message.status = MessageStatus.processed
            return replies
        router = Router(session, contact, message, parse)
        decision = router.decide(text, defer_intent=True)
        metadata: dict[str, Any] = {
            "contact_id": contact.id,
            "channel": message.channel,
            "message_id": message.id,
            "simulated": message.simulated,
        }
        sender_id = str(contact.id)
        channel = message.channel
        while True:
            logger.info("message %s: %s", message.id, decision.reason)
            if decision.opt_out:
                return apply_opt_out(session, message, contact)
            bot_messages = list(decision.messages)
            if decision.dialogue is None:
                replies = render(_with_notice(notice, bot_messages), message.channel)
                store_replies(session, message, replies)
                message.status = MessageStatus.processed
                return replies
            # Saved before Rasa runs: the dialogue's actions call the backend, which must see
            # it. No transaction is held while Rasa (and the actions) run: the session opens a
            # new one only when it is used again.
            session.commit()
            rasa = rasa_turn(
                sender_id, decision.dialogue, metadata, message_id=message.id, hold=decision.hold
            )
            if not rasa.held:
                break
            # The parse is one the router weighs first (step 5): nothing ran in Rasa.
            decision = router.held(text, rasa.nlu)
        resume = decision.resume

    with session_scope() as session:
        message = session.get(Message, message_id)
        contact = session.get(Contact, message.contact_id) if message else None
        assert message is not None and contact is not None
        router = Router(session, contact, message, parse)
        for item in rasa.messages:
            if (item.get("custom") or {}).get("show") == "prediag_question":
                bot_messages += router.show_question()
            elif item.get("text") or item.get("buttons"):
                bot_messages.append(item)
        if resume and not rasa.active_loop:
            bot_messages = router.after_digression(bot_messages)
        replies = render(_with_notice(notice, bot_messages), channel)
        store_replies(session, message, replies, flow=rasa.active_loop)
        message.status = MessageStatus.processed
    return replies


def _with_notice(notice: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A gateway notice (Telegram account linked...) comes first, in the same turn."""
    return ([{"text": NOTICES[notice]}] if notice else []) + messages


def apply_opt_out(session: Session, message: Message, contact: Contact) -> list[Rendered]:
    """A plain-words opt-out, confirmed: the same as STOP."""
    contact.status = ContactStatus.stopped
    contact.stopped_at = utcnow()
    record_event(
        session,
        EventKind.contact_opt_out,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=message.id,
        data={"confirmed": True},
    )
    replies = render([{"text": STOPPED_REPLY}], message.channel)
    store_replies(session, message, replies, kind="opt_out")
    message.status = MessageStatus.processed
    return replies


def mark_failed(message_id: int, error: str) -> None:
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None and message.status == MessageStatus.received:
            message.status = MessageStatus.failed
            message.error_detail = error[:2000]


def simulate(inbound: Inbound, wait_seconds: float = 60.0) -> list[Rendered]:
    """The simulator: the same pipeline, inline, and nothing is sent to a provider."""
    owner = f"simulator-{uuid.uuid4().hex[:8]}"
    with session_scope() as session:
        message, _created = persist_inbound(session, inbound, simulated=True)
        message_id, key = message.id, contact_key(message.contact_id)
    deadline = time.monotonic() + wait_seconds
    with session_scope() as session:
        while not queue.acquire_lease(session, key, owner):
            if time.monotonic() > deadline:
                raise TimeoutError("this contact is busy, try again")
            time.sleep(0.05)
    try:
        return process_inbound(message_id)
    except RasaUnavailable as exc:
        mark_failed(message_id, str(exc))
        raise
    finally:
        with session_scope() as session:
            queue.release_lease(session, key, owner)


APOLOGY = text("technical_problem")


def apologise(message_id: int) -> None:
    """Rasa stayed unreachable through every retry: tell the person instead of going silent."""
    mark_failed(message_id, "assistant unreachable after retries")
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is None or message.simulated:
            return
        store_replies(session, message, render([{"text": APOLOGY}], message.channel), "apology")
