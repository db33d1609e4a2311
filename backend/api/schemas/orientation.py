"""The suggested parcours of a person (``services.orientation.store.as_api``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from backend.models import OrientationDecision, OrientationStatus

Parcours = Literal["PED", "PSP", "PSO", "EO"]


class OrientationDecisionOut(BaseModel):
    decision: OrientationDecision | None
    parcours: str | None
    motif_refus: str | None
    comment: str | None
    decided_at: str | None
    decided_by_id: int | None


class OrientationOut(BaseModel):
    parcours: Parcours
    reasons: list[str]  # in plain French
    rules_version: str
    status: OrientationStatus
    decision: OrientationDecisionOut | None  # once a referent decided (status DECIDE)
