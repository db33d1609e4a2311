"""The pre-diagnostic and what it collects, stored as declarations (never overwritten)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped


class DeclarationStatus(StrEnum):
    declared = "declared"  # pending referent validation
    validated = "validated"
    corrected = "corrected"
    removed = "removed"


class PrediagnosticStatus(StrEnum):
    in_progress = "in_progress"
    submitted = "submitted"
    validated = "validated"
    abandoned = "abandoned"


class Prediagnostic(Timestamped, Base):
    __tablename__ = "prediagnostics"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    status: Mapped[PrediagnosticStatus] = mapped_column(
        String(20), default=PrediagnosticStatus.in_progress
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    questionnaire_version: Mapped[str | None] = mapped_column(String(50))
    # Engine bookkeeping (current question, retry counters): derived state, safe to rebuild.
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    submitted_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    answers: Mapped[list[PrediagnosticAnswer]] = relationship(
        back_populates="prediagnostic", order_by="PrediagnosticAnswer.id"
    )


class PrediagnosticAnswer(Timestamped, Base):
    """One answer as given. A re-given answer is a new row; the latest per question counts."""

    __tablename__ = "prediagnostic_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    prediagnostic_id: Mapped[int] = mapped_column(ForeignKey("prediagnostics.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    raw_text: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(default=False)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))

    prediagnostic: Mapped[Prediagnostic] = relationship(back_populates="answers")


class SituationItem(Timestamped, Base):
    """A Carnet de bord situation (theme key + exact label) and its review status.

    A validation, correction or removal is a new row pointing to the one it supersedes.
    """

    __tablename__ = "situation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    prediagnostic_id: Mapped[int | None] = mapped_column(ForeignKey("prediagnostics.id"))
    theme_key: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)  # free text ("other")
    status: Mapped[DeclarationStatus] = mapped_column(
        String(20), default=DeclarationStatus.declared
    )
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # channel, message ids
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("situation_items.id"))
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class ProfessionalProject(Timestamped, Base):
    __tablename__ = "professional_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    prediagnostic_id: Mapped[int | None] = mapped_column(ForeignKey("prediagnostics.id"))
    job_label: Mapped[str | None] = mapped_column(String(300))  # kept as typed
    mobility_radius_km: Mapped[int | None]
    contract_types: Mapped[list[Any]] = mapped_column(default=list)
    employment_type: Mapped[str | None] = mapped_column(String(20))  # full_time / part_time
    status: Mapped[DeclarationStatus] = mapped_column(
        String(20), default=DeclarationStatus.declared
    )
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("professional_projects.id"))
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
