"""Health checks, webhooks of external systems and the national references."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Alive(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]  # database, rasa, action_server


class RdvWebhookOut(BaseModel):
    """Only the fields of the outcome are present (the route excludes unset ones)."""

    status: Literal["applied", "duplicate", "ignored", "stale"]
    reason: str | None = None  # ignored: what was not used
    appointments: list[int] | None = None  # applied: the appointments created or changed


class CdbReferential(BaseModel):
    """``backend/data/cdb_referential.yml`` as shipped (its notes say how to read it)."""

    model_config = ConfigDict(extra="allow")

    source: str
    personal_situation_themes: list[dict[str, Any]]
    professional_project_themes: list[dict[str, Any]]
    work_situation: list[str]
    education_level: dict[str, str]
    contract_type: list[str]
    employment_type: dict[str, str]
    rsa_right: list[str]
    appointment_status_rdv_solidarites: dict[str, str]
    notes: list[str]


class OrientationCriteria(BaseModel):
    """``backend/data/orientation_criteria.yml`` as shipped."""

    model_config = ConfigDict(extra="allow")

    decision_order: list[Any]
    parcours: dict[str, Any]
    orientation_input: dict[str, Any]
    orientation_output: dict[str, Any]
    freins: list[dict[str, Any]]
    diagnostic_scales: dict[str, Any]
    notes: list[str]
