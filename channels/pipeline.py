"""The one path every message takes, whatever its channel:

persist inbound -> (ack the provider) -> in order per contact: Rasa -> persist replies ->
render for the channel -> deliver (queue a send task, or hand back to the simulator).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.db import session_scope
from backend.core.group_commit import write_grouped
from backend.models import Contact, ContactStatus, Event, Message, utcnow
from backend.services import queue
from backend.services.conversation import Router

from . import flood
from .base import Inbound
from .identity import PHONE_CHANNELS
from .linking import phone_owner
from .optout import RESTARTED_REPLY, STOPPED_REPLY, is_opt_in, is_opt_out
from .rasa_client import RasaUnavailable, parse
from .rasa_client import turn as rasa_turn
from .rendering import Rendered, render

logger = logging.getLogger(__name__)

PROCESS_TASK = "process_inbound"
SEND_TASK = "send_message"
SEND_MAX_ATTEMPTS = 30


def contact_key(contact_id: int) -> str:
    return f"contact:{contact_id}"


def send_key(contact_id: int) -> str:
    """Sends to one contact go out in order, but a send waiting on a provider retry must not
    hold up the person's next inbound turn: sends get their own per-contact key."""
    return f"send:{contact_id}"


def find_or_create_contact(session: Session, channel: str, address: str) -> Contact:
    """The contact for this address. A new SMS or WhatsApp number that a beneficiary's phone
    contact already has is linked to that beneficiary; any other new contact stays unlinked
    (a person pending identification, who never sees appointment details)."""
    query = select(Contact).where(Contact.channel == channel, Contact.address == address)
    contact = session.scalar(query)
    if contact is not None:
        return contact
    owner = phone_owner(session, address) if channel in PHONE_CHANNELS else None
    try:
        with session.begin_nested():
            contact = Contact(
                channel=channel,
                address=address,
                beneficiary_id=owner.beneficiary_id if owner else None,
                verified=owner.verified if owner else False,
            )
            session.add(contact)
        return contact
    except IntegrityError:  # created meanwhile by a concurrent request
        return session.scalars(query).one()


def persist_inbound(
    session: Session, inbound: Inbound, *, simulated: bool = False, commit: bool = True
) -> tuple[Message, bool]:
    """Store the message (committed before anyone acknowledges it; ``commit=False``: the
    caller commits).

    Returns (message, created); a provider retry of a known provider id is not stored twice.
    """
    if inbound.provider_id:
        existing = session.scalar(
            select(Message).where(
                Message.channel == inbound.channel,
                Message.direction == "in",
                Message.provider_id == inbound.provider_id,
            )
        )
        if existing is not None:
            return existing, False
    contact = find_or_create_contact(session, inbound.channel, inbound.address)
    contact.last_inbound_at = utcnow()
    message = Message(
        contact_id=contact.id,
        direction="in",
        channel=inbound.channel,
        text=inbound.text,
        payload=inbound.payload,
        provider_id=inbound.provider_id,
        status="received",
        simulated=simulated,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # the same provider id raced in on another request
        duplicate = session.scalars(
            select(Message).where(
                Message.channel == inbound.channel,
                Message.direction == "in",
                Message.provider_id == inbound.provider_id,
            )
        ).one()
        return duplicate, False
    if commit:
        session.commit()
    return message, True


def enqueue_processing(session: Session, message: Message, *, commit: bool = True) -> None:
    queue.enqueue(
        session,
        PROCESS_TASK,
        {"message_id": message.id},
        key=contact_key(message.contact_id),
        dedupe_key=f"inbound:{message.id}",
    )
    if commit:
        session.commit()


def accept_inbound(
    inbound: Inbound, prepare: Callable[[Session, Message], None] | None = None
) -> tuple[int, bool]:
    """What a webhook does before it answers: persist (deduplicated), let the channel add what
    it knows (``prepare``, first delivery only), queue the processing. Returns (id, created).

    One transaction: the message is stored with its task or not at all, and on SQLite the
    webhooks arriving together share it (backend/core/group_commit.py: one disk sync for the
    group); a provider retry of a stored one finds it and queues nothing twice."""

    def work(session: Session) -> tuple[int, bool]:
        message, created = persist_inbound(session, inbound, commit=False)
        if created and prepare is not None:
            prepare(session, message)
        enqueue_processing(session, message, commit=False)
        return message.id, created

    return write_grouped(work)


def queue_outbound(
    session: Session,
    contact: Contact,
    reply: Rendered,
    *,
    kind: str | None = None,
    in_reply_to: Message | None = None,
    simulated: bool = False,
    flow: str | None = None,
) -> Message:
    """Persist one rendered outbound message and, unless simulated, queue its sending.

    Proactive messages (reminders...) pass no ``in_reply_to``: the sender then skips stopped
    contacts. Render first with ``render([{"text": ..., "buttons": [...]}], contact.channel)``.
    """
    payload: dict[str, Any] = {"buttons": reply.buttons} if reply.buttons else {}
    if reply.menu:
        payload["menu"] = reply.menu
    if reply.body is not None:
        payload["body"] = reply.body
    if kind:
        payload["kind"] = kind
    if flow:
        payload["flow"] = flow
    outbound = Message(
        contact_id=contact.id,
        direction="out",
        channel=contact.channel,
        text=reply.text,
        payload=payload,
        status="simulated" if simulated else "queued",
        encoding=reply.encoding,
        segments=reply.segments,
        simulated=simulated,
        in_reply_to_id=in_reply_to.id if in_reply_to else None,
    )
    session.add(outbound)
    session.flush()
    if not simulated:
        queue.enqueue(
            session,
            SEND_TASK,
            {"message_id": outbound.id},
            key=send_key(contact.id),
            dedupe_key=f"send:{outbound.id}",
            # The message counts its own failures (outbound.py); many throttled retries are fine.
            max_attempts=SEND_MAX_ATTEMPTS,
        )
    return outbound


def store_replies(
    session: Session,
    message: Message,
    replies: list[Rendered],
    kind: str | None = None,
    flow: str | None = None,
) -> None:
    """Persist the replies to an inbound message and, off the simulator, queue their sending.
    ``flow``: the Rasa form left waiting for an answer (the next message is its)."""
    contact = session.get(Contact, message.contact_id)
    assert contact is not None
    for index, reply in enumerate(replies):
        last = index == len(replies) - 1
        queue_outbound(
            session,
            contact,
            reply,
            kind=kind,
            in_reply_to=message,
            simulated=message.simulated,
            flow=flow if last else None,
        )


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
    session.add(
        Event(
            kind=f"contact_{kind}",
            contact_id=contact.id,
            beneficiary_id=contact.beneficiary_id,
            message_id=message.id,
        )
    )
    replies = render([{"text": reply_text}], message.channel)
    store_replies(session, message, replies, kind=kind)
    message.status = "processed"
    return replies


# What the gateway answers itself (GSM-7 clean: they go out by SMS too).
NOTICES = {
    "media": "Je ne peux pas lire les photos, vocaux ou fichiers. "
    "Merci d'écrire votre message en quelques mots.",
    "empty": "Votre message est vide. Écrivez par exemple AIDE pour savoir ce que je peux faire.",
    "telegram_linked": "C'est fait : votre compte Telegram est relié à votre dossier.",
    "link_invalid": "Ce lien ne marche plus (déjà utilisé ou trop ancien). "
    "Demandez un nouveau lien à votre conseiller.",
    "contact_linked": "Merci, votre numéro est relié à votre dossier.",
    "contact_unknown": "Merci. Ce numéro n'est pas encore connu : votre conseiller fera le lien.",
    "contact_not_own": "Merci d'envoyer votre propre numéro, avec le bouton prévu.",
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
    return int(message.provider_id) if (message.provider_id or "").isdigit() else 0


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
        if message is None or message.status != "received":
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
            message.status = "processed"
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
            logger.warning("message %s: %s", message.id, decision.reason)
            if decision.opt_out:
                return apply_opt_out(session, message, contact)
            bot_messages = list(decision.messages)
            if decision.dialogue is None:
                replies = render(_with_notice(notice, bot_messages), message.channel)
                store_replies(session, message, replies)
                message.status = "processed"
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
        has_menu = any(m.get("buttons") for m in bot_messages)
        if resume and not rasa.active_loop and not has_menu:
            bot_messages += router.resume_messages()  # the pending question, on its own
        replies = render(_with_notice(notice, bot_messages), channel)
        store_replies(session, message, replies, flow=rasa.active_loop)
        message.status = "processed"
    return replies


def _with_notice(notice: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A gateway notice (Telegram account linked...) comes first, in the same turn."""
    return ([{"text": NOTICES[notice]}] if notice else []) + messages


def apply_opt_out(session: Session, message: Message, contact: Contact) -> list[Rendered]:
    """A plain-words opt-out, confirmed: the same as STOP."""
    contact.status = ContactStatus.stopped
    contact.stopped_at = utcnow()
    session.add(
        Event(
            kind="contact_opt_out",
            contact_id=contact.id,
            beneficiary_id=contact.beneficiary_id,
            message_id=message.id,
            data={"confirmed": True},
        )
    )
    replies = render([{"text": STOPPED_REPLY}], message.channel)
    store_replies(session, message, replies, kind="opt_out")
    message.status = "processed"
    return replies


def mark_failed(message_id: int, error: str) -> None:
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None and message.status == "received":
            message.status = "failed"
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


APOLOGY = "Désolé, j'ai un souci technique. Merci de réessayer plus tard."


def apologise(message_id: int) -> None:
    """Rasa stayed unreachable through every retry: tell the person instead of going silent."""
    mark_failed(message_id, "assistant unreachable after retries")
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is None or message.simulated:
            return
        store_replies(session, message, render([{"text": APOLOGY}], message.channel), "apology")
