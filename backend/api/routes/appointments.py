"""Appointments as referents manage them, reminder settings as coordinators tune them, and the
referent's inbox (callback requests, cannot-attend notices, situation updates to validate)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from backend.api.deps import SessionDep, require_role
from backend.api.schemas.appointments import (
    AppointmentOut,
    CallbackItem,
    InboxItem,
    ReminderSettingsOut,
    SituationUpdateItem,
)
from backend.core.clock import now as clock_now
from backend.core.safe_input import INT32_MAX, NoNul, PathId, RowId, check_datetime
from backend.models import (
    Account,
    Appointment,
    AppointmentStatus,
    Beneficiary,
    CallbackRequest,
    RequestKind,
    RequestStatus,
    Role,
    SituationUpdate,
    SituationUpdateStatus,
)
from backend.services import appointments as service
from backend.services import reminders
from backend.services.access import visible_beneficiary
from backend.services.appointment_text import local_zone
from backend.services.events import EventKind, record_event

router = APIRouter(tags=["appointments"])

StaffWithCases = Depends(require_role(Role.referent, Role.admin))
Tuners = Depends(require_role(Role.coordinator, Role.admin))
AnyStaff = Depends(require_role(Role.referent, Role.coordinator, Role.admin))

Mode = Literal["office", "phone", "home", "video"]


def _aware(value: datetime | None) -> datetime | None:
    """A time without offset is local time (TIMEZONE), as a referent means it."""
    if value is None:
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return check_datetime(value, "starts_at")  # year 1 or 9999 would overflow in UTC


class AppointmentIn(BaseModel):
    beneficiary_id: RowId
    starts_at: datetime = Field(examples=["2026-12-03T14:30:00+01:00"])
    duration_minutes: int = Field(default=30, ge=5, le=480)
    mode: Mode = "office"
    place: Annotated[str, NoNul, Field(max_length=300)] | None = None
    with_whom: Annotated[str, NoNul, Field(max_length=200)] | None = None
    motif: Annotated[str, NoNul, Field(max_length=200)] | None = None

    _local = field_validator("starts_at")(_aware)


class AppointmentPatch(BaseModel):
    starts_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    mode: Mode | None = None
    place: Annotated[str, NoNul, Field(max_length=300)] | None = None
    with_whom: Annotated[str, NoNul, Field(max_length=200)] | None = None
    motif: Annotated[str, NoNul, Field(max_length=200)] | None = None
    status: AppointmentStatus | None = None

    _local = field_validator("starts_at")(_aware)


def visible_appointment(session: SessionDep, appointment_id: int, account: Account) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown appointment")
    visible_beneficiary(session, appointment.beneficiary_id, account)
    return appointment


@router.get("/appointments", response_model=list[AppointmentOut])
def list_appointments(
    session: SessionDep,
    account: Account = StaffWithCases,
    beneficiary_id: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    upcoming: bool = Query(default=False, description="only those not cancelled and not over"),
) -> list[dict[str, Any]]:
    query = (
        select(Appointment)
        .join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .where(Beneficiary.structure_id == account.structure_id)
    )
    if beneficiary_id is not None:
        query = query.where(Appointment.beneficiary_id == beneficiary_id)
    if upcoming:
        query = query.where(
            Appointment.status == AppointmentStatus.unknown, Appointment.starts_at > clock_now()
        )
    return [service.as_json(a) for a in session.scalars(query.order_by(Appointment.starts_at))]


@router.post("/appointments", status_code=status.HTTP_201_CREATED, response_model=AppointmentOut)
def create_appointment(
    body: AppointmentIn, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    beneficiary = visible_beneficiary(session, body.beneficiary_id, account)
    fields = service.AppointmentFields(
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        mode=body.mode,
        place=body.place,
        with_whom=body.with_whom or account.full_name,
        motif=body.motif,
    )
    appointment = service.create(
        session, beneficiary.id, beneficiary.structure_id, fields, account=account
    )
    return service.as_json(appointment)


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def read_appointment(
    appointment_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    return service.as_json(visible_appointment(session, appointment_id, account))


@router.patch("/appointments/{appointment_id}", response_model=AppointmentOut)
def edit_appointment(
    appointment_id: PathId,
    body: AppointmentPatch,
    session: SessionDep,
    account: Account = StaffWithCases,
) -> dict[str, Any]:
    appointment = visible_appointment(session, appointment_id, account)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("starts_at", 1) is None or changes.get("duration_minutes", 1) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "starts_at cannot be emptied")
    if changes.get("mode", 1) is None or changes.get("status", 1) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "mode and status need a value")
    service.update(session, appointment, changes, account=account)
    return service.as_json(appointment)


# Reminder settings ---------------------------------------------------------------------------


class ReminderSettingsIn(BaseModel):
    offsets_hours: list[int] = Field(min_length=1, max_length=5, examples=[[48, 2]])
    quiet_start: Annotated[str, NoNul, Field(max_length=5)] = Field(examples=["08:00"])
    quiet_end: Annotated[str, NoNul, Field(max_length=5)] = Field(examples=["20:00"])


@router.get("/settings/reminders", response_model=ReminderSettingsOut)
def read_reminder_settings(session: SessionDep, account: Account = AnyStaff) -> dict[str, Any]:
    return reminders.load_settings(session).as_json()


@router.put("/settings/reminders", response_model=ReminderSettingsOut)
def change_reminder_settings(
    body: ReminderSettingsIn, session: SessionDep, account: Account = Tuners
) -> dict[str, Any]:
    try:
        settings = reminders.save_settings(
            session,
            offsets_hours=body.offsets_hours,
            quiet_start=body.quiet_start,
            quiet_end=body.quiet_end,
            account=account,
        )
    except reminders.InvalidReminderSettings as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return settings.as_json()


# Inbox ---------------------------------------------------------------------------------------


def _callback_json(request: CallbackRequest, beneficiary: Beneficiary | None) -> dict[str, Any]:
    return {
        "type": "cannot_attend" if request.kind == RequestKind.cannot_attend else "callback",
        "id": request.id,
        "beneficiary_id": request.beneficiary_id,
        "beneficiary_name": _name(beneficiary),
        "appointment_id": request.appointment_id,
        "preferred_time": request.preferred_time,
        "reason": request.reason,
        "status": request.status,
        "created_at": request.created_at.isoformat(),
    }


def _update_json(update: SituationUpdate, beneficiary: Beneficiary | None) -> dict[str, Any]:
    return {
        "type": "situation_update",
        "id": update.id,
        "beneficiary_id": update.beneficiary_id,
        "beneficiary_name": _name(beneficiary),
        "kind": update.kind,
        "data": update.data,
        "status": update.status,
        "created_at": update.created_at.isoformat(),
    }


def _name(beneficiary: Beneficiary | None) -> str | None:
    if beneficiary is None:
        return None
    return " ".join(p for p in (beneficiary.first_name, beneficiary.last_name) if p) or None


@router.get("/inbox", response_model=list[InboxItem])
def inbox(session: SessionDep, account: Account = StaffWithCases) -> list[dict[str, Any]]:
    """What waits for the structure's referents, newest first."""
    requests = session.execute(
        select(CallbackRequest, Beneficiary)
        .join(Beneficiary, Beneficiary.id == CallbackRequest.beneficiary_id)
        .where(
            Beneficiary.structure_id == account.structure_id,
            CallbackRequest.status == RequestStatus.open,
        )
    ).all()
    updates = session.execute(
        select(SituationUpdate, Beneficiary)
        .join(Beneficiary, Beneficiary.id == SituationUpdate.beneficiary_id)
        .where(
            Beneficiary.structure_id == account.structure_id,
            SituationUpdate.status == SituationUpdateStatus.declared,
        )
    ).all()
    items = [_callback_json(r, b) for r, b in requests] + [_update_json(u, b) for u, b in updates]
    return sorted(items, key=lambda item: item["created_at"], reverse=True)


@router.post("/callback-requests/{request_id}/handle", response_model=CallbackItem)
def handle_callback(
    request_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    request = session.get(CallbackRequest, request_id)
    if request is None or request.beneficiary_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown request")
    beneficiary = visible_beneficiary(session, request.beneficiary_id, account)
    if request.status != RequestStatus.handled:
        request.status, request.handled_at, request.handled_by_id = (
            RequestStatus.handled,
            clock_now(),
            account.id,
        )
        record_event(
            session,
            EventKind.callback_request_handled,
            beneficiary_id=beneficiary.id,
            account_id=account.id,
            data={"callback_request_id": request.id},
        )
    return _callback_json(request, beneficiary)


REVIEW_EVENTS = {
    "validated": EventKind.situation_update_validated,
    "rejected": EventKind.situation_update_rejected,
}


class ReviewIn(BaseModel):
    decision: Literal["validated", "rejected"]
    note: Annotated[str, NoNul, Field(max_length=1000)] | None = None


@router.post("/situation-updates/{update_id}/review", response_model=SituationUpdateItem)
def review_situation_update(
    update_id: PathId, body: ReviewIn, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    update = session.get(SituationUpdate, update_id)
    if update is None or update.beneficiary_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown situation update")
    beneficiary = visible_beneficiary(session, update.beneficiary_id, account)
    if update.status != SituationUpdateStatus.declared:
        raise HTTPException(status.HTTP_409_CONFLICT, f"already {update.status}")
    update.status = SituationUpdateStatus(body.decision)
    update.handled_at, update.handled_by_id = clock_now(), account.id
    record_event(
        session,
        REVIEW_EVENTS[body.decision],
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"situation_update_id": update.id, "note": body.note},
    )
    return _update_json(update, beneficiary)
