"""Appointments: who may see them, how a person reads them, and what changes them.

Every change that moves, cancels or creates an appointment goes through here so that its
reminders follow (``reminders.schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.clock import now as clock_now
from backend.core.config import get_settings
from backend.messages import text
from backend.models import (
    Account,
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    Contact,
    Event,
)

from . import reminders
from .privacy import short_name

MODES = ("office", "phone", "home", "video")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Statuses after which an appointment will not take place (or already did).
CLOSED = {AppointmentStatus.seen, AppointmentStatus.noshow, AppointmentStatus.excused}
CANCELLED = {AppointmentStatus.revoked, AppointmentStatus.excused}


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def when_text(starts_at: datetime) -> str:
    """'mardi 3/12 à 14h30' (or 'à 9h' on the hour), in local time."""
    local = starts_at.astimezone(local_zone())
    hour = f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"
    return f"{DAYS[local.weekday()]} {local.day}/{local.month} à {hour}"


def where_text(appointment: Appointment, address: bool = True) -> str:
    """Where the appointment is; without ``address`` (a reminder the person did not ask for),
    the structure's name only: the address comes when they ask ("c'est où mon RDV ?")."""
    if appointment.mode == "phone":
        return text("appointment_by_phone")
    if appointment.mode == "video":
        return text("appointment_by_video")
    if appointment.mode == "home":
        return text("appointment_at_home")
    structure = appointment.structure
    if not address:
        return structure.name if structure is not None else text("appointment_place_ask")
    place = (appointment.place or "").strip()
    if structure is not None and appointment.external_source is None:
        # Our own appointments store the address only: name the structure too.
        if not place:
            place = structure.address or ""
        if structure.name.casefold() not in place.casefold():
            place = f"{structure.name}, {place}" if place else structure.name
    return place or text("appointment_place_unknown")


def describe(appointment: Appointment, address: bool = True) -> dict[str, Any]:
    """What a person reads about one appointment (plain French, one line): a first name and
    an initial for whom they meet (backend/services/privacy.py)."""
    when = when_text(appointment.starts_at)
    where = where_text(appointment, address)
    with_whom = short_name(appointment.with_whom) or ""
    text = f"{when}, {where}"
    if with_whom:
        text += f", avec {with_whom}"
    return {
        "id": appointment.id,
        "when": when,
        "where": where,
        "with_whom": with_whom or None,
        "mode": appointment.mode,
        "starts_at": appointment.starts_at.astimezone(UTC).isoformat(),
        "confirmed": appointment.confirmed_at is not None,
        "text": text,
    }


def as_json(appointment: Appointment) -> dict[str, Any]:
    """The staff API's view of an appointment."""
    return {
        "id": appointment.id,
        "beneficiary_id": appointment.beneficiary_id,
        "structure_id": appointment.structure_id,
        "starts_at": appointment.starts_at.astimezone(UTC).isoformat(),
        "duration_minutes": appointment.duration_minutes,
        "mode": appointment.mode,
        "place": appointment.place,
        "with_whom": appointment.with_whom,
        "motif": appointment.motif,
        "status": appointment.status,
        "external_source": appointment.external_source,
        "external_id": appointment.external_id,
        "confirmed_at": appointment.confirmed_at.isoformat() if appointment.confirmed_at else None,
        "created_at": appointment.created_at.isoformat(),
        "updated_at": appointment.updated_at.isoformat(),
        "summary": describe(appointment)["text"],
    }


def is_upcoming(appointment: Appointment, now: datetime) -> bool:
    return appointment.status == AppointmentStatus.unknown and appointment.starts_at > now


def next_for_beneficiary(
    session: Session, beneficiary_id: int, now: datetime | None = None
) -> Appointment | None:
    """The next appointment that is neither cancelled nor over."""
    now = now or clock_now()
    return session.scalar(
        select(Appointment)
        .where(
            Appointment.beneficiary_id == beneficiary_id,
            Appointment.status == AppointmentStatus.unknown,
            Appointment.starts_at > now,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )


def target_for_contact(
    session: Session, contact: Contact, now: datetime | None = None
) -> Appointment | None:
    """The appointment a '1'/'2' answer is about: the one last reminded to this contact if it
    is still ahead, else the next one."""
    now = now or clock_now()
    if contact.beneficiary_id is None:
        return None
    last_reminder = session.scalar(
        select(AppointmentReminder)
        .where(AppointmentReminder.contact_id == contact.id)
        .order_by(AppointmentReminder.id.desc())
        .limit(1)
    )
    if last_reminder is not None:
        reminded = session.get(Appointment, last_reminder.appointment_id)
        if reminded is not None and is_upcoming(reminded, now):
            return reminded
    return next_for_beneficiary(session, contact.beneficiary_id, now)


@dataclass
class AppointmentFields:
    starts_at: datetime
    duration_minutes: int = 30
    mode: str = "office"
    place: str | None = None
    with_whom: str | None = None
    motif: str | None = None


def create(
    session: Session,
    beneficiary_id: int,
    structure_id: int | None,
    fields: AppointmentFields,
    *,
    account: Account | None = None,
    now: datetime | None = None,
) -> Appointment:
    appointment = Appointment(
        beneficiary_id=beneficiary_id,
        structure_id=structure_id,
        starts_at=fields.starts_at,
        duration_minutes=fields.duration_minutes,
        mode=fields.mode,
        place=fields.place,
        with_whom=fields.with_whom,
        motif=fields.motif,
    )
    session.add(appointment)
    session.flush()
    session.add(
        Event(
            kind="appointment_created",
            beneficiary_id=beneficiary_id,
            account_id=account.id if account else None,
            data={"appointment_id": appointment.id, "starts_at": fields.starts_at.isoformat()},
        )
    )
    reminders.schedule(session, appointment, now=now)
    return appointment


def update(
    session: Session,
    appointment: Appointment,
    changes: dict[str, Any],
    *,
    account: Account | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Apply changed fields; a new time clears the confirmation and moves the reminders."""
    before = {k: getattr(appointment, k) for k in changes}
    for name, value in changes.items():
        setattr(appointment, name, value)
    if "starts_at" in changes and before["starts_at"] != changes["starts_at"]:
        appointment.confirmed_at = None  # confirmed for the old time, not the new one
    session.flush()
    session.add(
        Event(
            kind="appointment_updated",
            beneficiary_id=appointment.beneficiary_id,
            account_id=account.id if account else None,
            data={
                "appointment_id": appointment.id,
                "changes": {
                    k: [_plain(before[k]), _plain(v)] for k, v in changes.items() if before[k] != v
                },
            },
        )
    )
    reminders.schedule(session, appointment, now=now)
    return appointment


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def confirm(
    session: Session, appointment: Appointment, contact: Contact, message_id: int | None
) -> None:
    if appointment.confirmed_at is None:
        appointment.confirmed_at = clock_now()
    session.add(
        Event(
            kind="appointment_confirmed",
            beneficiary_id=appointment.beneficiary_id,
            contact_id=contact.id,
            message_id=message_id,
            data={"appointment_id": appointment.id},
        )
    )


def business_days_later(start: datetime, days: int) -> datetime:
    """``days`` working days (Monday to Friday) after ``start``."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
