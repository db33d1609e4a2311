"""Messages in and out, the event log and the persistent task queue."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class MessageDirection(StrEnum):
    inbound = "in"
    outbound = "out"


class MessageStatus(StrEnum):
    # Inbound: received -> processed (or failed); batched when a later message took its turn.
    received = "received"
    processed = "processed"
    batched = "batched"
    # Outbound: queued -> sending -> sent -> delivered (or retrying, failed, suppressed when the
    # contact has stopped); simulated for the simulator's replies.
    queued = "queued"
    sending = "sending"
    retrying = "retrying"
    sent = "sent"
    delivered = "delivered"
    suppressed = "suppressed"
    simulated = "simulated"
    failed = "failed"


class TaskStatus(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class Message(Timestamped, Base):
    """Every inbound and outbound message, persisted before it is acknowledged or sent.

    Inbound status: received -> processed (or failed). Outbound status: queued -> sent ->
    delivered (or failed, or suppressed when the contact has stopped, or simulated).
    """

    __tablename__ = "messages"
    __table_args__ = (
        # Provider retries are deduplicated on the provider's own id.
        UniqueConstraint("channel", "direction", "provider_id", name="uq_messages_provider"),
        Index("ix_messages_contact_id_id", "contact_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    direction: Mapped[MessageDirection] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # buttons, media, raw bits
    provider_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[MessageStatus] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(50))
    error_detail: Mapped[str | None] = mapped_column(Text)
    encoding: Mapped[str | None] = mapped_column(String(10))
    segments: Mapped[int | None]
    simulated: Mapped[bool] = mapped_column(default=False)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    intent: Mapped[str | None] = mapped_column(String(100))
    intent_confidence: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Event(Timestamped, Base):
    """Append-only log of what happened: declarations, reviews, fallbacks, audit reads..."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Task(Timestamped, Base):
    """A unit of background work. Tasks sharing a ``key`` run one at a time, in id order."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    key: Mapped[str | None] = mapped_column(String(100), index=True)
    # Unique when set: enqueueing the same job twice (e.g. one reminder) is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[TaskStatus] = mapped_column(String(20), default=TaskStatus.pending)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class KeyLease(Base):
    """Who is working on a key right now (one row per busy key); the insert is the lock."""

    __tablename__ = "key_leases"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]
