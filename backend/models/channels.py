"""Channel-specific records: single-use links between a Telegram account and a beneficiary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped


class TelegramLinkToken(Timestamped, Base):
    """A deep link ``t.me/<bot>?start=<token>`` a referent gives a person; used once, expires.

    Only the token's SHA-256 is stored: a database read does not hand out working links.
    """

    __tablename__ = "telegram_link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
