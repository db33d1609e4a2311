"""The bot's endpoints for appointments, situation updates and callback requests.

Authenticated by BOT_API_TOKEN. Appointment details only leave for a contact whose link to the
beneficiary is verified; everything else answers with an ``access`` state the action can say.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field, field_validator, model_validator

from backend.api.deps import SessionDep, require_bot
from backend.api.routes.bot import check_message, get_contact
from backend.api.schemas.bot import (
    AttendanceConfirmed,
    BirthDateChecked,
    CallbackOut,
    CannotAttendOut,
    NewNumberConfirmed,
    NextAppointment,
    SituationDeclared,
)
from backend.core.clock import now as clock_now
from backend.core.safe_input import NoNul, PathId, RowId, check_text
from backend.models import Beneficiary, Contact
from backend.services import appointments as appointment_service
from backend.services import referent_requests as request_service
from channels.identity import InvalidAddress, to_e164

router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_bot)])


def linked(session: SessionDep, contact: Contact) -> None:
    if contact.beneficiary_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this contact is not linked to anyone")


def granted(session: SessionDep, contact: Contact) -> None:
    state = request_service.access(session, contact)
    if state != "granted":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"access {state}: verify the contact first")


class SourceIn(BaseModel):
    message_id: RowId | None = None


@router.get("/contacts/{contact_id}/appointments/next", response_model=NextAppointment)
def next_appointment(contact_id: PathId, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    state = request_service.access(session, contact)
    body: dict[str, Any] = {"access": state, "appointment": None, "referent": None}
    if state != "granted":
        return body
    appointment = appointment_service.target_for_contact(session, contact)
    body["appointment"] = appointment_service.describe(appointment) if appointment else None
    body["referent"] = request_service.referent_name(session, contact.beneficiary_id)
    return body


class BirthDateIn(SourceIn):
    birth_date: date


@router.post("/contacts/{contact_id}/birth-date", response_model=BirthDateChecked)
def verify_birth_date(contact_id: PathId, body: BirthDateIn, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    linked(session, contact)
    return request_service.check_birth_date(session, contact, body.birth_date, body.message_id)


@router.post("/contacts/{contact_id}/appointments/confirm", response_model=AttendanceConfirmed)
def confirm_attendance(contact_id: PathId, body: SourceIn, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    granted(session, contact)
    appointment = appointment_service.target_for_contact(session, contact)
    if appointment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no upcoming appointment")
    appointment_service.confirm(session, appointment, contact, body.message_id)
    return {"appointment": appointment_service.describe(appointment)}


class CannotAttendIn(SourceIn):
    reason: Annotated[str, NoNul, Field(max_length=1000)] | None = None

    @field_validator("reason")
    @classmethod
    def blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


@router.post(
    "/contacts/{contact_id}/appointments/cannot-attend",
    status_code=201,
    response_model=CannotAttendOut,
)
def cannot_attend(contact_id: PathId, body: CannotAttendIn, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    if request_service.access(session, contact) == "unknown":
        # Kept for triage rather than dropped: staff will identify the number.
        request = request_service.cannot_attend(
            session, contact, None, reason=body.reason, message_id=body.message_id
        )
        return {
            "request_id": request.id,
            "appointment": None,
            "referent": None,
            "expected_by": request_service.expected_by()[1],
            "identified": False,
        }
    granted(session, contact)
    appointment = appointment_service.target_for_contact(session, contact)
    if appointment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no upcoming appointment")
    request = request_service.cannot_attend(
        session, contact, appointment, reason=body.reason, message_id=body.message_id
    )
    _day, expected = request_service.expected_by()
    return {
        "request_id": request.id,
        "appointment": appointment_service.describe(appointment),
        "referent": request_service.referent_name(session, contact.beneficiary_id),
        "expected_by": expected,
        "identified": True,
    }


class CallbackIn(SourceIn):
    preferred_time: Annotated[str, NoNul, Field(max_length=200)] | None = None
    topic: Annotated[str, NoNul, Field(max_length=200)] | None = None


@router.post(
    "/contacts/{contact_id}/callback-requests", status_code=201, response_model=CallbackOut
)
def request_callback(contact_id: PathId, body: CallbackIn, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    # An unknown number's request is kept for a person pending identification (triage).
    check_message(session, contact, body.message_id)
    request = request_service.request_callback(
        session,
        contact,
        preferred_time=(body.preferred_time or "").strip() or None,
        topic=body.topic,
        message_id=body.message_id,
    )
    _day, expected = request_service.expected_by()
    return {
        "request_id": request.id,
        "referent": request_service.referent_name(session, contact.beneficiary_id),
        "expected_by": expected,
        "identified": request_service.identified(session, contact),
    }


CONTRACTS = ("cdi", "cdd", "interim", "alternance", "independant", "autre")


class SituationIn(SourceIn):
    kind: Literal["emploi", "demenagement", "formation", "sante", "numero", "famille", "autre"]
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def check_data(self) -> SituationIn:
        self.data = validate_situation_data(self.kind, self.data)
        return self


def _date(value: Any, field: str, required: bool = False) -> str | None:
    if value in (None, ""):
        if required:
            raise ValueError(f"{field} is required")
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise ValueError(f"{field} must be a date like 2026-12-01") from exc


def _text(value: Any, field: str, required: bool = False, limit: int = 200) -> str | None:
    text = str(value).strip() if value is not None else ""
    if required and not text:
        raise ValueError(f"{field} is required")
    return check_text(text, field, limit) or None


def validate_situation_data(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Typed fields per kind of change; unknown keys are refused rather than silently kept."""
    fields: dict[str, set[str]] = {
        "emploi": {"contract_type", "start_date"},
        "demenagement": {"postal_code", "town"},
        "formation": {"name", "start_date", "end_date"},
        "sante": {"until"},
        "numero": {"new_number"},
        "famille": {"note"},
        "autre": {"note"},
    }
    unknown = set(data) - fields[kind]
    if unknown:
        raise ValueError(f"unexpected fields for {kind}: {', '.join(sorted(unknown))}")
    if kind == "emploi":
        contract = _text(data.get("contract_type"), "contract_type")
        if contract is not None and contract not in CONTRACTS:
            raise ValueError(f"contract_type must be one of {', '.join(CONTRACTS)}")
        return {"contract_type": contract, "start_date": _date(data.get("start_date"), "start")}
    if kind == "demenagement":
        postal = _text(data.get("postal_code"), "postal_code", required=True) or ""
        if not (len(postal) == 5 and (postal.isdigit() or postal[:2] in ("2A", "2B"))):
            raise ValueError("postal_code must have 5 digits")
        return {"postal_code": postal, "town": _text(data.get("town"), "town", required=True)}
    if kind == "formation":
        start = _date(data.get("start_date"), "start_date")
        end = _date(data.get("end_date"), "end_date")
        if start and end and end < start:
            raise ValueError("end_date is before start_date")
        return {"name": _text(data.get("name"), "name", True), "start_date": start, "end_date": end}
    if kind == "sante":
        return {"until": _date(data.get("until"), "until")}
    if kind == "numero":
        try:
            return {"new_number": to_e164(str(data.get("new_number") or ""))}
        except InvalidAddress as exc:
            raise ValueError(str(exc)) from exc
    return {"note": _text(data.get("note"), "note", limit=1000)}


@router.post(
    "/contacts/{contact_id}/situation-updates",
    status_code=201,
    response_model=SituationDeclared,
)
def declare_situation(contact_id: PathId, body: SituationIn, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    linked(session, contact)
    if body.kind == "numero":
        if body.data["new_number"] == contact.address:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "this is the same number")
        update = request_service.declare_new_number(
            session, contact, body.data["new_number"], body.message_id
        )
    else:
        update = request_service.declare_situation(
            session, contact, body.kind, body.data, body.message_id
        )
    return {
        "id": update.id,
        "kind": update.kind,
        "status": update.status,
        "data": update.data,
        "referent": request_service.referent_name(session, contact.beneficiary_id),
    }


@router.post("/contacts/{contact_id}/new-number/confirm", response_model=NewNumberConfirmed)
def confirm_new_number(contact_id: PathId, session: SessionDep) -> dict[str, Any]:
    contact = get_contact(session, contact_id)
    update = request_service.confirm_new_number(session, contact)
    if update is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no pending new number for this contact")
    beneficiary = session.get(Beneficiary, update.beneficiary_id) if update.beneficiary_id else None
    return {
        "situation_update_id": update.id,
        "first_name": beneficiary.first_name if beneficiary else None,
        "confirmed_at": clock_now().isoformat(),
    }
