"""Who is writing: linking a contact to a beneficiary.

- SMS / WhatsApp: by E.164 number, when another phone contact of a beneficiary has it.
- Telegram: a single-use, expiring ``/start <token>`` deep link issued by a referent, or the
  person's own contact card (Telegram vouches for the number; someone else's card is refused).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from backend.core.config import get_settings
from backend.models import Account, Beneficiary, Contact, TelegramLinkToken, utcnow
from backend.services.events import EventKind, record_event
from backend.services.outbox import phone_owner

from .identity import InvalidAddress, to_e164


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_telegram_token(
    session: Session, beneficiary: Beneficiary, account: Account | None
) -> tuple[str, TelegramLinkToken]:
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-], as deep links allow
    link = TelegramLinkToken(
        token_hash=_hash(token),
        beneficiary_id=beneficiary.id,
        created_by_id=account.id if account else None,
        expires_at=utcnow() + timedelta(hours=get_settings().telegram_link_ttl_hours),
    )
    session.add(link)
    session.flush()
    return token, link


def link_contact(session: Session, contact: Contact, beneficiary_id: int, how: str) -> None:
    contact.beneficiary_id = beneficiary_id
    contact.verified = True
    record_event(
        session,
        EventKind.contact_linked,
        contact_id=contact.id,
        beneficiary_id=beneficiary_id,
        data={"channel": contact.channel, "how": how},
    )


def consume_telegram_token(session: Session, token: str, contact: Contact) -> str:
    """Link ``contact`` with the token's beneficiary. Returns linked / expired / invalid."""
    now = utcnow()
    token_hash = _hash(token)
    # One conditional UPDATE: two simultaneous uses of the same token cannot both win.
    claimed = session.execute(
        update(TelegramLinkToken)
        .where(
            TelegramLinkToken.token_hash == token_hash,
            TelegramLinkToken.used_at.is_(None),
            TelegramLinkToken.expires_at > now,
        )
        .values(used_at=now, contact_id=contact.id)
        .execution_options(synchronize_session=False)
    )
    link = session.scalar(
        select(TelegramLinkToken).where(TelegramLinkToken.token_hash == token_hash)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1 or link is None:
        if link is not None and link.used_at is None:
            return "expired"
        return "invalid"  # unknown, or already used
    link_contact(session, contact, link.beneficiary_id, "telegram_token")
    return "linked"


def link_by_shared_phone(session: Session, contact: Contact, raw_phone: str) -> str:
    """The person shared their own contact card: linked / unknown."""
    try:
        number = to_e164(raw_phone if raw_phone.startswith("+") else f"+{raw_phone}")
    except InvalidAddress:
        return "unknown"
    owner = phone_owner(session, number)
    if owner is None or owner.beneficiary_id is None:
        return "unknown"
    link_contact(session, contact, owner.beneficiary_id, "telegram_contact_card")
    return "linked"
