"""A pre-diagnostic as a referent reads it, and the coordinators' questionnaire preview."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backend.models import DeclarationStatus, PrediagnosticStatus


class PouvoirDAgir(BaseModel):
    confiance: Any
    besoin_accompagnement: Any


class Frein(BaseModel):
    """One of the eight freins of the national orientation criteria."""

    theme: str  # Carnet de bord theme key
    code: int  # France Travail frein code
    label: str
    orientation_field: str
    selected: bool
    impact: str | None  # FORT / MOYEN / AUCUNE; None: not known


class SituationOut(BaseModel):
    id: int
    theme_key: str
    label: str  # the exact Carnet de bord label
    detail: str | None
    status: DeclarationStatus
    source: dict[str, Any]
    created_at: str


class ProjectOut(BaseModel):
    id: int
    job_label: str | None
    mobility_radius_km: int | None
    contract_types: list[Any]
    employment_type: str | None
    status: DeclarationStatus


class AnswerOut(BaseModel):
    question_key: str
    section: str
    question: str
    value: Any
    labels: list[str]
    skipped: bool
    raw_text: str | None
    source_message_id: int | None
    at: str


class History(BaseModel):
    answers: int
    situation_rows: int


class PrediagnosticOut(BaseModel):
    """``services.questionnaire.summary.summary``."""

    id: int
    beneficiary_id: int
    status: PrediagnosticStatus
    channel: str | None
    questionnaire_version: str | None
    created_at: str
    submitted_at: str | None
    # calculOrientation input fields (backend/data/orientation_criteria.yml); None: not known
    orientation: dict[str, Any]
    work_situation: Any
    pouvoir_d_agir: PouvoirDAgir
    freins: list[Frein]
    priorities: list[str]  # option keys of the "priorites" question
    situations: list[SituationOut]
    projects: list[ProjectOut]
    answers: list[AnswerOut]
    missing: list[str]  # question keys still to answer
    history: History


class PrediagnosticListItem(BaseModel):
    id: int
    status: PrediagnosticStatus
    channel: str | None
    created_at: str
    submitted_at: str | None


class SmsPreview(BaseModel):
    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


class TelegramPreview(BaseModel):
    text: str
    buttons: list[dict[str, str]]


class QuestionPreview(BaseModel):
    key: str
    section: str
    type: str
    optional: bool
    conditional: bool
    sms: SmsPreview
    telegram: TelegramPreview
