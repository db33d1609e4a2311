"""What the action server reads back from ``/api/v1/bot/*``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backend.models import ChannelName, ContactStatus, PrediagnosticStatus, SituationUpdateStatus

from .common import AppointmentText

# granted: a verified link; verify: ask the date of birth; locked: too many wrong dates today;
# unknown: nobody (or only a person pending identification) behind this number.
Access = Literal["granted", "verify", "locked", "unknown"]


class BotContact(BaseModel):
    id: int
    channel: ChannelName
    status: ContactStatus
    verified: bool


class BotBeneficiary(BaseModel):
    id: int
    first_name: str | None  # only a first name leaves the backend


class ConversationContext(BaseModel):
    contact: BotContact
    beneficiary: BotBeneficiary | None


class EventRecorded(BaseModel):
    id: int


class Erased(BaseModel):
    erased: bool
    kept_prediagnostic: bool


class ConsentWithdrawn(BaseModel):
    withdrawn: bool


class MyDataText(BaseModel):
    text: str


class NextAppointment(BaseModel):
    access: Access
    appointment: AppointmentText | None
    referent: str | None


class BirthDateChecked(BaseModel):
    verified: bool
    locked: bool
    attempts_left: int


class AttendanceConfirmed(BaseModel):
    appointment: AppointmentText


class CannotAttendOut(BaseModel):
    request_id: int
    appointment: AppointmentText | None
    referent: str | None
    expected_by: str  # 'mardi 3/12'
    identified: bool


class CallbackOut(BaseModel):
    request_id: int
    referent: str | None
    expected_by: str
    identified: bool


class SituationDeclared(BaseModel):
    id: int
    kind: str
    status: SituationUpdateStatus
    data: dict[str, Any]
    referent: str | None


class NewNumberConfirmed(BaseModel):
    situation_update_id: int
    first_name: str | None
    confirmed_at: str


class PrediagnosticState(BaseModel):
    prediagnostic_id: int | None
    status: PrediagnosticStatus | None
    in_progress: bool
    question_key: str | None


class PrediagnosticStarted(BaseModel):
    prediagnostic_id: int
    status: PrediagnosticStatus
    created: bool
    question_key: str | None
    text: str | None  # said when one was already sent
