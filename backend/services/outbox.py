"""The outbox: every outbound message is stored here and its sending queued, whoever sends it
(the gateway's replies, reminders, invitations, a new number's check); and the contact an
address belongs to. Shared by channels/ and backend/services/, so that neither reaches into the
other's internals: the sending itself is channels/outbound.py's, run by the worker.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from backend.models import Contact, Message, MessageDirection, MessageStatus
from backend.services import queue
from channels.identity import PHONE_CHANNELS
from channels.rendering import Rendered

SEND_TASK = "send_message"
SEND_MAX_ATTEMPTS = 30


def send_key(contact_id: int) -> str:
    """Sends to one contact go out in order, but a send waiting on a provider retry must not
    hold up the person's next inbound turn: sends get their own per-contact key."""
    return f"send:{contact_id}"


def _owner_of(contact: Any, number: Any, column: Any) -> Any:
    """``column`` of the beneficiary's phone contact that has this number (verified first): one
    rule for the lookup below and for the webhook's upsert."""
    return (
        select(column)
        .where(
            contact.channel.in_(PHONE_CHANNELS),
            contact.address == number,
            contact.beneficiary_id.is_not(None),
        )
        .order_by(contact.verified.desc(), contact.id)
        .limit(1)
    )


def phone_owner(session: Session, number: str) -> Contact | None:
    """The SMS or WhatsApp contact of a beneficiary that has this E.164 number, if any."""
    return session.scalar(_owner_of(Contact, number, Contact))


def find_or_create_contact(
    session: Session, channel: str, address: str, *, inbound_at: datetime | None = None
) -> Contact:
    """The contact for this address. A new SMS or WhatsApp number that a beneficiary's phone
    contact already has is linked to that beneficiary; any other new contact stays unlinked
    (a person pending identification, who never sees appointment details).

    ``inbound_at``: the person just wrote (``last_inbound_at``), set in the INSERT of a new
    contact rather than by an UPDATE after it (one statement less per webhook)."""
    query = select(Contact).where(Contact.channel == channel, Contact.address == address)
    contact = session.scalar(query)
    if contact is not None:
        if inbound_at is not None:
            contact.last_inbound_at = inbound_at
        return contact
    owner = phone_owner(session, address) if channel in PHONE_CHANNELS else None
    try:
        with session.begin_nested():
            contact = Contact(
                channel=channel,
                address=address,
                beneficiary_id=owner.beneficiary_id if owner else None,
                verified=owner.verified if owner else False,
                last_inbound_at=inbound_at,
            )
            session.add(contact)
        return contact
    except IntegrityError:  # created meanwhile by a concurrent request
        contact = session.scalars(query).one()
        if inbound_at is not None:
            contact.last_inbound_at = inbound_at
        return contact


def contact_writing(session: Session, channel: str, address: str, inbound_at: datetime) -> Contact:
    """``find_or_create_contact`` for a person who just wrote, in one statement: the contact
    inserted (linked as there to a beneficiary's phone contact with this number) or, when it
    exists, its ``last_inbound_at`` set. A webhook's lookup, owner lookup and savepointed
    INSERT were five round trips to the database."""
    statement = _contact_upsert(session.get_bind().dialect.name, channel in PHONE_CHANNELS)
    return session.scalars(
        statement,
        {"channel": channel, "address": address, "inbound_at": inbound_at},
        execution_options={"populate_existing": True},
    ).one()


@lru_cache
def _contact_upsert(dialect: str, phone: bool) -> Any:
    """Built once per engine and kind of channel (building it costs more CPU than running it)."""
    address: Any = bindparam("address")
    values: dict[str, Any] = {
        "channel": bindparam("channel"),
        "address": address,
        "last_inbound_at": bindparam("inbound_at"),
    }
    if phone:
        owner = aliased(Contact)

        def of_owner(column: Any) -> Any:
            return _owner_of(owner, address, column).scalar_subquery()

        values["beneficiary_id"] = of_owner(owner.beneficiary_id)
        values["verified"] = func.coalesce(of_owner(owner.verified), False)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Contact)
    statement = insert.values(**values)
    return statement.on_conflict_do_update(
        index_elements=[Contact.channel, Contact.address],
        set_={"last_inbound_at": statement.excluded.last_inbound_at},
    ).returning(Contact)


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
        direction=MessageDirection.outbound,
        channel=contact.channel,
        text=reply.text,
        payload=payload,
        status=MessageStatus.simulated if simulated else MessageStatus.queued,
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
