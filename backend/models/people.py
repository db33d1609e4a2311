"""Structures, accounts, beneficiaries, their contacts and their consents."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped


class Role(StrEnum):
    referent = "referent"
    coordinator = "coordinator"
    admin = "admin"


class ChannelName(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    telegram = "telegram"
    web = "web"


class ContactStatus(StrEnum):
    active = "active"
    stopped = "stopped"


class Identification(StrEnum):
    identified = "identified"  # known to a structure
    pending = "pending"  # an unknown number that started a conversation
    merged = "merged"  # a pending person linked by triage to a known one


class Structure(Timestamped, Base):
    __tablename__ = "structures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50), default="autre")  # cd, ml, ft, ccas, ...
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(30))


class Account(Timestamped, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    structure: Mapped[Structure] = relationship()


class Beneficiary(Timestamped, Base):
    __tablename__ = "beneficiaries"
    # Two imports at once cannot create the same person twice in a structure.
    __table_args__ = (
        UniqueConstraint("structure_id", "caf_number", name="uq_beneficiaries_structure_caf"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None]
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"))
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    identification: Mapped[Identification] = mapped_column(
        String(20), default=Identification.identified
    )
    # The CAF/MSA file number (numero_allocataire) of imported lists: how a re-import matches.
    caf_number: Mapped[str | None] = mapped_column(String(30), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    external_ids: Mapped[dict[str, Any]] = mapped_column(
        default=dict
    )  # e.g. {"rdv_solidarites": 42}

    structure: Mapped[Structure | None] = relationship()
    referent: Mapped[Account | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="beneficiary")


class Contact(Timestamped, Base):
    """One way of reaching a person: an E.164 number on SMS/WhatsApp, a Telegram user id..."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contacts_channel_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    channel: Mapped[ChannelName] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    status: Mapped[ContactStatus] = mapped_column(String(20), default=ContactStatus.active)
    # True once the link to the beneficiary was checked (known number, token, date of birth).
    verified: Mapped[bool] = mapped_column(default=False)
    last_inbound_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]

    beneficiary: Mapped[Beneficiary | None] = relationship(back_populates="contacts")


class Consent(Timestamped, Base):
    """A consent given or withdrawn; never updated, the latest row per kind wins."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))  # prediagnostic, ...
    given: Mapped[bool]
    text_version: Mapped[str] = mapped_column(String(50))
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
