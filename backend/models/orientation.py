"""A suggested parcours (national orientation criteria) and the referent's decision on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped


class OrientationStatus(StrEnum):
    PRECONISE = "PRECONISE"  # suggested, waiting for the referent
    DECIDE = "DECIDE"


class OrientationDecision(StrEnum):
    ACCEPTEE = "ACCEPTEE"
    REFUSEE = "REFUSEE"


class OrientationSuggestion(Timestamped, Base):
    """Computed from a sent pre-diagnostic by the rules of ``rules_version``.

    ``PRECONISE`` until a referent accepts or refuses it (``DECIDE``). While it is not decided,
    a review that changes its facts, or new rules, give a new row pointing to this one
    (``supersedes_id``): nothing is overwritten. Never shown to the person.
    """

    __tablename__ = "orientation_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    prediagnostic_id: Mapped[int] = mapped_column(ForeignKey("prediagnostics.id"), index=True)
    parcours: Mapped[str] = mapped_column(String(3))  # PED, PSP, PSO, EO
    rule_key: Mapped[str] = mapped_column(String(100))
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{criterion, text}]
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what it was computed from
    rules_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[OrientationStatus] = mapped_column(
        String(10), default=OrientationStatus.PRECONISE
    )
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("orientation_suggestions.id"))
    decision: Mapped[OrientationDecision | None] = mapped_column(String(10))
    decided_parcours: Mapped[str | None] = mapped_column(String(3))
    motif_refus: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
