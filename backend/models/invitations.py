"""Invitations: a structure asks a person (imported from its list) to start the pre-diagnostic."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, utcnow
from .people import Beneficiary, Contact


class InvitationStatus(StrEnum):
    open = "open"
    answered = "answered"
    stopped = "stopped"
    replaced = "replaced"
    failed = "failed"


class Invitation(Timestamped, Base):
    """One invitation and its reminders to one person, on one contact.

    Status: open (first message or reminders to come) -> answered (the person wrote back) /
    stopped (opt-out) / replaced (relaunched: a newer invitation took over) / failed (nothing
    could be sent). ``steps_sent`` counts the invitation (1) and its reminders (2, 3...); a
    conditional UPDATE on it is what makes each step go out exactly once.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[InvitationStatus] = mapped_column(String(20), default=InvitationStatus.open)
    steps_sent: Mapped[int] = mapped_column(default=0)
    first_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    last_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    beneficiary: Mapped[Beneficiary] = relationship()
    contact: Mapped[Contact] = relationship()
