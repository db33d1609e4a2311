"""Tables of the appointments area: coordinator settings, sent reminders, webhook receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class AppSetting(Base):
    """A setting a coordinator edits in the app (e.g. reminders); absent means the default."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class AppointmentReminder(Timestamped, Base):
    """A reminder that was sent. The unique constraint is what makes it exactly once per
    appointment, offset and appointment time, whatever the number of workers."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        UniqueConstraint(
            "appointment_id", "offset_hours", "starts_at", name="uq_appointment_reminders_slot"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    offset_hours: Mapped[int]
    starts_at: Mapped[datetime]  # the appointment time this reminder was about
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))


class WebhookReceipt(Timestamped, Base):
    """Every webhook call we accepted, stored before it is applied (idempotency and audit)."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (
        UniqueConstraint("source", "body_sha256", name="uq_webhook_receipts_source_body"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(50))
    body_sha256: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(50))
    event: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    occurred_at: Mapped[datetime | None]  # meta.timestamp: later events win
    outcome: Mapped[str] = mapped_column(String(20))  # applied / ignored / stale
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
