"""Appointments, situation updates and callback requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, utcnow
from .people import Beneficiary, Structure


class AppointmentStatus(StrEnum):
    """RDV-Solidarités statuses."""

    unknown = "unknown"
    seen = "seen"
    noshow = "noshow"
    excused = "excused"
    revoked = "revoked"


class SituationUpdateStatus(StrEnum):
    declared = "declared"  # waits for the referent
    validated = "validated"  # reviewed through the API
    rejected = "rejected"
    handled = "handled"  # marked as handled on the referent's inbox page


class RequestKind(StrEnum):
    callback = "callback"
    cannot_attend = "cannot_attend"


class RequestStatus(StrEnum):
    open = "open"
    handled = "handled"


class Appointment(Timestamped, Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=30)
    mode: Mapped[str] = mapped_column(String(20), default="office")  # office/phone/home/video
    place: Mapped[str | None] = mapped_column(String(300))
    with_whom: Mapped[str | None] = mapped_column(String(200))
    motif: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[AppointmentStatus] = mapped_column(String(20), default=AppointmentStatus.unknown)
    external_source: Mapped[str | None] = mapped_column(String(50))
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    confirmed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    beneficiary: Mapped[Beneficiary] = relationship()
    structure: Mapped[Structure | None] = relationship()


class SituationUpdate(Timestamped, Base):
    """A change declared by chat (new job, move, training...), pending referent validation."""

    __tablename__ = "situation_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[SituationUpdateStatus] = mapped_column(
        String(20), default=SituationUpdateStatus.declared
    )
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class CallbackRequest(Timestamped, Base):
    """The person asks to be called back, or says they cannot attend an appointment."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[RequestKind] = mapped_column(String(20), default=RequestKind.callback)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    preferred_time: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(String(20), default=RequestStatus.open)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
