"""What a person asks through the bot: identity check, callback, cannot-attend, situation
updates (a new phone number included). Each lands as a row a referent sees in their inbox plus
an Event in the log; nothing here cancels or overwrites anything."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.clock import now as clock_now
from backend.core.config import get_settings
from backend.messages import text
from backend.models import (
    Appointment,
    Beneficiary,
    CallbackRequest,
    Contact,
    Event,
    Identification,
    RequestKind,
    SituationUpdate,
    SituationUpdateStatus,
)
from backend.services.events import EventKind, record_event
from channels.rendering import render

from .appointment_text import DAYS, local_zone
from .appointments import business_days_later
from .outbox import find_or_create_contact, queue_outbound
from .privacy import short_name
from .triage import pending_person

MAX_BIRTH_DATE_TRIES = 3
NEW_NUMBER_VALID_DAYS = 7
SITUATION_KINDS = ("emploi", "demenagement", "formation", "sante", "numero", "famille", "autre")


# Access -------------------------------------------------------------------------------------


def failed_birth_dates(session: Session, contact: Contact, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count(Event.id)).where(
                Event.contact_id == contact.id,
                Event.kind == EventKind.birth_date_mismatch,
                Event.created_at > now - timedelta(hours=24),
            )
        )
        or 0
    )


def access(session: Session, contact: Contact, now: datetime | None = None) -> str:
    """granted: a verified link; verify: linked, ask the date of birth; locked: too many wrong
    dates today; unknown: no beneficiary behind this number, or only a person pending
    identification (created by a pre-diagnostic from an unknown number): never sees any
    appointment."""
    if contact.beneficiary_id is None:
        return "unknown"
    beneficiary = contact.beneficiary
    if beneficiary is not None and beneficiary.identification == Identification.pending:
        return "unknown"
    if contact.verified:
        return "granted"
    if failed_birth_dates(session, contact, now or clock_now()) >= MAX_BIRTH_DATE_TRIES:
        return "locked"
    return "verify"


def check_birth_date(
    session: Session, contact: Contact, birth_date: date, message_id: int | None
) -> dict[str, Any]:
    now = clock_now()
    state = access(session, contact, now)
    if state in ("granted", "unknown", "locked"):
        return {"verified": state == "granted", "locked": state == "locked", "attempts_left": 0}
    beneficiary = session.get(Beneficiary, contact.beneficiary_id)
    assert beneficiary is not None
    if beneficiary.birth_date is not None and beneficiary.birth_date == birth_date:
        contact.verified = True
        record_event(
            session,
            EventKind.contact_verified,
            contact_id=contact.id,
            beneficiary_id=beneficiary.id,
            message_id=message_id,
            data={"method": "birth_date"},
        )
        return {"verified": True, "locked": False, "attempts_left": MAX_BIRTH_DATE_TRIES}
    # The date itself is not logged: a wrong guess is still personal data.
    record_event(
        session,
        EventKind.birth_date_mismatch,
        contact_id=contact.id,
        beneficiary_id=beneficiary.id,
        message_id=message_id,
        data={"birth_date_on_file": beneficiary.birth_date is not None},
    )
    session.flush()
    left = MAX_BIRTH_DATE_TRIES - failed_birth_dates(session, contact, now)
    return {"verified": False, "locked": left <= 0, "attempts_left": max(left, 0)}


# Callback and cannot-attend -----------------------------------------------------------------


def referent_name(session: Session, beneficiary_id: int | None) -> str | None:
    beneficiary = session.get(Beneficiary, beneficiary_id) if beneficiary_id else None
    if beneficiary is None or beneficiary.referent is None:
        return None
    return short_name(beneficiary.referent.full_name)  # said in an SMS: no full name


def expected_by(now: datetime | None = None) -> tuple[date, str]:
    """When a callback may be expected: a few working days ahead, said as 'mardi 3/12'."""
    local = (now or clock_now()).astimezone(local_zone())
    day = business_days_later(local, get_settings().callback_delay_business_days).date()
    return day, f"{DAYS[day.weekday()]} {day.day}/{day.month}"


def request_callback(
    session: Session,
    contact: Contact,
    *,
    preferred_time: str | None,
    topic: str | None,
    message_id: int | None,
) -> CallbackRequest:
    """From an unknown number too: it is kept for a person pending identification, shown on the
    triage page, and reaches a referent's inbox once staff link the number to someone."""
    pending_person(session, contact)
    request = CallbackRequest(
        beneficiary_id=contact.beneficiary_id,
        contact_id=contact.id,
        kind=RequestKind.callback,
        preferred_time=preferred_time,
        reason=topic,
        source_message_id=message_id,
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        EventKind.callback_requested,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=message_id,
        data={"callback_request_id": request.id, "preferred_time": preferred_time},
    )
    return request


def cannot_attend(
    session: Session,
    contact: Contact,
    appointment: Appointment | None,
    *,
    reason: str | None,
    message_id: int | None,
) -> CallbackRequest:
    """Recorded for the referent, who decides; the appointment itself is left as it is.

    Without ``appointment``: an unknown number (or a person pending identification) says they
    cannot come; no appointment can be shown or matched, so the message is kept for triage."""
    person_id = appointment.beneficiary_id if appointment else pending_person(session, contact).id
    request = CallbackRequest(
        beneficiary_id=person_id,
        contact_id=contact.id,
        kind=RequestKind.cannot_attend,
        appointment_id=appointment.id if appointment else None,
        reason=reason,
        source_message_id=message_id,
    )
    session.add(request)
    session.flush()
    data: dict[str, Any] = {
        "callback_request_id": request.id,
        "appointment_id": appointment.id if appointment else None,
        "reason_given": bool(reason),
    }
    if appointment is None:
        data["pending_identification"] = True
    record_event(
        session,
        EventKind.appointment_cannot_attend,
        contact_id=contact.id,
        beneficiary_id=person_id,
        message_id=message_id,
        data=data,
    )
    return request


def identified(session: Session, contact: Contact) -> bool:
    beneficiary = (
        session.get(Beneficiary, contact.beneficiary_id) if contact.beneficiary_id else None
    )
    return beneficiary is not None and beneficiary.identification == Identification.identified


# Situation updates --------------------------------------------------------------------------


def declare_situation(
    session: Session,
    contact: Contact,
    kind: str,
    data: dict[str, Any],
    message_id: int | None,
) -> SituationUpdate:
    update = SituationUpdate(
        beneficiary_id=contact.beneficiary_id,
        contact_id=contact.id,
        kind=kind,
        data={**data, "contact_verified": contact.verified, "channel": contact.channel},
        status=SituationUpdateStatus.declared,
        source_message_id=message_id,
    )
    session.add(update)
    session.flush()
    record_event(
        session,
        EventKind.situation_update_declared,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=message_id,
        data={"situation_update_id": update.id, "kind": kind},
    )
    return update


NEW_NUMBER_CHECK = text("new_number_check")
NEW_NUMBER_BUTTONS = [
    {"title": text("button_new_number_yes"), "payload": "/confirm_new_number"},
    {"title": text("button_no"), "payload": "/deny"},
]


def declare_new_number(
    session: Session, contact: Contact, new_number: str, message_id: int | None
) -> SituationUpdate:
    """Stored pending, and the new number is asked to confirm: only a reply from it links it."""
    channel = contact.channel if contact.channel in ("sms", "whatsapp") else "sms"
    new_contact = find_or_create_contact(session, channel, new_number)
    session.flush()
    taken = new_contact.beneficiary_id not in (None, contact.beneficiary_id)
    update = declare_situation(
        session,
        contact,
        "numero",
        {
            "new_number": new_number,
            "new_contact_id": new_contact.id,
            # Someone else's number is left to the referent; nothing is sent to it.
            "confirmation": "conflict" if taken else "pending",
        },
        message_id,
    )
    if not taken:
        rendered = render([{"text": NEW_NUMBER_CHECK, "buttons": NEW_NUMBER_BUTTONS}], channel)
        queue_outbound(session, new_contact, rendered[0], kind="new_number_check")
    return update


def confirm_new_number(session: Session, new_contact: Contact) -> SituationUpdate | None:
    """The new number answered 'yes': link it to the person who declared it."""
    now = clock_now()
    candidates = session.scalars(
        select(SituationUpdate)
        .where(
            SituationUpdate.kind == "numero",
            SituationUpdate.created_at > now - timedelta(days=NEW_NUMBER_VALID_DAYS),
        )
        .order_by(SituationUpdate.id.desc())
    ).all()
    update = next(
        (
            u
            for u in candidates
            if u.data.get("new_contact_id") == new_contact.id
            and u.data.get("confirmation") == "pending"
        ),
        None,
    )
    if update is None:
        return None
    new_contact.beneficiary_id = update.beneficiary_id
    new_contact.verified = True
    update.data = {**update.data, "confirmation": "confirmed", "confirmed_at": now.isoformat()}
    record_event(
        session,
        EventKind.new_number_confirmed,
        contact_id=new_contact.id,
        beneficiary_id=update.beneficiary_id,
        data={"situation_update_id": update.id},
    )
    return update
