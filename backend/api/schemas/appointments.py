"""Appointments, reminder settings and the referent's inbox."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backend.models import AppointmentStatus, RequestStatus, SituationUpdateStatus


class AppointmentOut(BaseModel):
    """``services.appointments.as_json``."""

    id: int
    beneficiary_id: int
    structure_id: int | None
    starts_at: str
    duration_minutes: int
    mode: str
    place: str | None
    with_whom: str | None
    motif: str | None
    status: AppointmentStatus
    external_source: str | None
    external_id: str | None
    confirmed_at: str | None
    created_at: str
    updated_at: str
    summary: str


class QuietHours(BaseModel):
    start: str  # HH:MM, local time
    end: str


class ReminderSettingsOut(BaseModel):
    offsets_hours: list[int]
    quiet_hours: QuietHours
    timezone: str


class CallbackItem(BaseModel):
    type: Literal["cannot_attend", "callback"]
    id: int
    beneficiary_id: int | None
    beneficiary_name: str | None
    appointment_id: int | None
    preferred_time: str | None
    reason: str | None
    status: RequestStatus
    created_at: str


class SituationUpdateItem(BaseModel):
    type: Literal["situation_update"]
    id: int
    beneficiary_id: int | None
    beneficiary_name: str | None
    kind: str
    data: dict[str, Any]
    status: SituationUpdateStatus
    created_at: str


InboxItem = CallbackItem | SituationUpdateItem
