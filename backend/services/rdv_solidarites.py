"""RDV-Solidarités outgoing webhooks: verify, store, apply (idempotently) to appointments.

Shape (their "API de notifications"): ``{"data": {...rdv...}, "meta": {"model": "Rdv",
"event": "created|updated|destroyed", "timestamp": "2020-08-04 10:46:03 +0200"}}``, signed by
``X-Lapin-Signature``: hex HMAC-SHA256 of the raw body with the shared secret. An rdv has
several participants (``users``): each gets its own appointment row, linked by E.164 phone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import date, datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.safe_input import INT64_MAX, NoNul, UnsafeInput, check_datetime
from backend.models import (
    Appointment,
    AppointmentStatus,
    Beneficiary,
    Contact,
    Identification,
    Structure,
    WebhookReceipt,
)
from backend.services.events import EventKind, record_event
from channels.identity import InvalidAddress, to_e164

from . import appointments as appointment_service

logger = logging.getLogger(__name__)

SOURCE = "rdv_solidarites"
MODES = {"public_office": "office", "phone": "phone", "home": "home", "visio": "video"}
STATUSES = {
    "unknown": AppointmentStatus.unknown,
    "waiting": AppointmentStatus.unknown,
    "seen": AppointmentStatus.seen,
    "noshow": AppointmentStatus.noshow,
    "notexcused": AppointmentStatus.noshow,
    "excused": AppointmentStatus.excused,
    "revoked": AppointmentStatus.revoked,
}


class InvalidPayload(ValueError):
    pass


def signature_ok(raw_body: bytes, signature: str | None, secret: str) -> bool:
    if not secret or not signature:
        return False
    given = signature.strip().lower()
    if not given.isascii():  # compare_digest refuses non-ASCII str: not a hex digest anyway
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


# Their ids as we store them (String(100) columns): an integer of at most 64 bits or a short
# string. Texts are capped at the size of the column they land in.
ExternalId = (
    Annotated[int, Field(ge=0, le=INT64_MAX)]
    | Annotated[str, NoNul, Field(min_length=1, max_length=100)]
)
Short = Annotated[str, NoNul, Field(max_length=100)]


class Named(_Loose):
    id: ExternalId | None = None
    name: Annotated[str, NoNul, Field(max_length=200)] | None = None
    address: Annotated[str, NoNul, Field(max_length=300)] | None = None


class Motif(Named):
    location_type: Short | None = None


class Person(_Loose):
    id: ExternalId | None = None
    first_name: Short | None = None
    last_name: Short | None = None
    phone_number: Short | None = None
    phone_number_formatted: Short | None = None
    birth_date: Short | None = None


class Rdv(_Loose):
    id: ExternalId
    starts_at: Short | None = None
    duration_in_min: int | None = None
    status: Short | None = None
    address: Annotated[str, NoNul, Field(max_length=300)] | None = None
    motif: Motif | None = None
    lieu: Named | None = None
    organisation: Named | None = None
    users: list[Person] = Field(default_factory=list, max_length=1000)
    agents: list[Person] = Field(default_factory=list, max_length=100)


class Meta(_Loose):
    model: Annotated[str, NoNul, Field(max_length=50)]
    event: Annotated[str, NoNul, Field(max_length=20)]
    timestamp: Short | None = None


_EXTERNAL_ID: TypeAdapter[Any] = TypeAdapter(ExternalId | None)


class Envelope(_Loose):
    data: dict[str, Any]
    meta: Meta


def parse_time(raw: str) -> datetime:
    """'2020-08-07 10:00:00 +0200' (their format) or ISO 8601; always with an offset."""
    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z"):
        try:
            value = datetime.strptime(raw, pattern)
            break
        except ValueError:
            pass
    else:
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidPayload(f"not a date-time: {raw!r}") from exc
        if value.tzinfo is None:
            raise InvalidPayload(f"date-time without offset: {raw!r}")
    try:
        return check_datetime(value, "date-time")
    except UnsafeInput as exc:
        raise InvalidPayload(f"{exc}: {raw!r}") from exc


def _person_name(person: Person) -> str:
    return " ".join(p.strip() for p in (person.first_name, person.last_name) if p and p.strip())


def _mobile(person: Person) -> str | None:
    """The participant's mobile as E.164, or None (no number, a landline, garbage)."""
    for raw in (person.phone_number_formatted, person.phone_number):
        if not raw:
            continue
        try:
            e164 = to_e164(raw)
        except InvalidAddress:
            continue
        kind = phonenumbers.number_type(phonenumbers.parse(e164))
        if kind in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return e164
    return None


def _structure(session: Session, organisation: Named | None) -> Structure | None:
    if organisation is None or not organisation.name:
        return None
    structure = session.scalar(
        select(Structure).where(func.lower(Structure.name) == organisation.name.lower())
    )
    if structure is None:
        structure = Structure(name=organisation.name, kind="autre")
        session.add(structure)
        session.flush()
    return structure


def _beneficiary(session: Session, person: Person, structure: Structure | None) -> Beneficiary:
    """By RDV-Solidarités user id, then by mobile number; created if neither is known."""
    user_id = str(person.id) if person.id is not None else None
    phone = _mobile(person)
    beneficiary = None
    if user_id is not None:
        beneficiary = session.scalar(
            select(Beneficiary)
            .where(Beneficiary.external_ids[SOURCE].as_string() == user_id)
            .order_by(Beneficiary.id)
            .limit(1)
        )
    contact = None
    if phone is not None:
        contact = session.scalar(
            select(Contact).where(Contact.channel == "sms", Contact.address == phone)
        )
        if beneficiary is None and contact is not None and contact.beneficiary_id is not None:
            beneficiary = session.get(Beneficiary, contact.beneficiary_id)
    if beneficiary is None:
        beneficiary = Beneficiary(
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=_birth_date(person.birth_date),
            structure_id=structure.id if structure else None,
            identification=Identification.identified,
            external_ids={SOURCE: user_id} if user_id else {},
        )
        session.add(beneficiary)
        session.flush()
        record_event(
            session,
            EventKind.beneficiary_created,
            beneficiary_id=beneficiary.id,
            data={"source": SOURCE, "rdv_user_id": user_id},
        )
    elif user_id and str((beneficiary.external_ids or {}).get(SOURCE)) != user_id:
        beneficiary.external_ids = {**(beneficiary.external_ids or {}), SOURCE: user_id}
    if phone is not None:
        if contact is None:
            # The structure gave this number: the link is trusted (verified).
            contact = Contact(
                channel="sms", address=phone, beneficiary_id=beneficiary.id, verified=True
            )
            try:
                with session.begin_nested():
                    session.add(contact)
            except IntegrityError:
                contact = session.scalars(
                    select(Contact).where(Contact.channel == "sms", Contact.address == phone)
                ).one()
        if contact.beneficiary_id is None:
            contact.beneficiary_id, contact.verified = beneficiary.id, True
    return beneficiary


def _birth_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def receive(session: Session, raw_body: bytes, body: dict[str, Any]) -> dict[str, Any]:
    """Check, store the receipt, then apply it. The same body twice is answered, not applied
    twice. Everything is checked before the first write: a refused body leaves no trace."""
    try:
        envelope = Envelope.model_validate(body)
    except ValueError as exc:
        raise InvalidPayload(f"not an RDV-Solidarités notification: {exc}") from exc
    meta = envelope.meta
    used = meta.model == "Rdv" and meta.event in ("created", "updated", "destroyed")
    if used and not meta.timestamp:
        # Without it the event cannot be ordered: it could revive a destroyed appointment.
        raise InvalidPayload("meta.timestamp is required")
    occurred_at = parse_time(meta.timestamp) if meta.timestamp else None
    try:
        raw_id = _EXTERNAL_ID.validate_python(envelope.data.get("id"))
    except ValueError as exc:
        raise InvalidPayload(
            "data.id must be an integer or a string of at most 100 characters"
        ) from exc
    external_id = str(raw_id) if raw_id is not None else None
    rdv, starts_at = None, None
    if used:
        if external_id is None:
            raise InvalidPayload("data.id is missing")
        try:
            rdv = Rdv.model_validate(envelope.data)
        except ValueError as exc:
            raise InvalidPayload(f"invalid rdv: {exc}") from exc
        if meta.event != "destroyed":
            if not rdv.starts_at:
                raise InvalidPayload("data.starts_at is missing")
            starts_at = parse_time(rdv.starts_at)

    digest = hashlib.sha256(raw_body).hexdigest()
    if session.scalar(
        select(WebhookReceipt.id).where(
            WebhookReceipt.source == SOURCE, WebhookReceipt.body_sha256 == digest
        )
    ):
        return {"status": "duplicate"}
    receipt = WebhookReceipt(
        source=SOURCE,
        body_sha256=digest,
        model=meta.model,
        event=meta.event,
        external_id=external_id,
        occurred_at=occurred_at,
        outcome="ignored",
        body=body,
    )
    try:
        with session.begin_nested():
            session.add(receipt)
    except IntegrityError:  # the same body raced in on another request
        return {"status": "duplicate"}
    if rdv is None or external_id is None:
        return {"status": "ignored", "reason": f"{meta.model}/{meta.event} is not used"}
    if occurred_at is not None and _newer_applied(session, external_id, occurred_at, receipt.id):
        receipt.outcome = "stale"
        return {"status": "stale"}
    ids = _upsert(session, rdv, starts_at) if starts_at else _destroy(session, external_id)
    receipt.outcome = "applied"
    return {"status": "applied", "appointments": ids}


def _newer_applied(session: Session, external_id: str, occurred_at: datetime, own_id: int) -> bool:
    """Webhooks may arrive out of order: an older event never overwrites a newer one."""
    return (
        session.scalar(
            select(WebhookReceipt.id).where(
                WebhookReceipt.source == SOURCE,
                WebhookReceipt.external_id == external_id,
                WebhookReceipt.outcome == "applied",
                WebhookReceipt.occurred_at > occurred_at,
                WebhookReceipt.id != own_id,
            )
        )
        is not None
    )


def _existing(session: Session, external_id: str) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment).where(
                Appointment.external_source == SOURCE, Appointment.external_id == external_id
            )
        )
    )


def _destroy(session: Session, external_id: str) -> list[int]:
    ids = []
    for appointment in _existing(session, external_id):
        if appointment.status != AppointmentStatus.revoked:
            appointment_service.update(session, appointment, {"status": AppointmentStatus.revoked})
        ids.append(appointment.id)
    return ids


def _cut(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else None


def _upsert(session: Session, rdv: Rdv, starts_at: datetime) -> list[int]:
    structure = _structure(session, rdv.organisation)
    place = None
    if rdv.lieu is not None:
        place = ", ".join(p for p in (rdv.lieu.name, rdv.lieu.address) if p) or None
    agents = ", ".join(n for n in (_person_name(a) for a in rdv.agents) if n)
    fields: dict[str, Any] = {
        "starts_at": starts_at,
        "duration_minutes": max(5, min(rdv.duration_in_min or 30, 24 * 60)),
        "mode": MODES.get((rdv.motif.location_type if rdv.motif else None) or "", "office"),
        # Joined texts may outgrow their columns: cut, not refused (they are only shown).
        "place": _cut(place or rdv.address, 300),
        "with_whom": _cut(agents, 200),
        "motif": rdv.motif.name if rdv.motif else None,
        "status": STATUSES.get(rdv.status or "unknown", AppointmentStatus.unknown),
    }
    external_id = str(rdv.id)
    existing = {a.beneficiary_id: a for a in _existing(session, external_id)}
    ids: list[int] = []
    seen: set[int] = set()
    for person in rdv.users:
        beneficiary = _beneficiary(session, person, structure)
        seen.add(beneficiary.id)
        appointment = existing.get(beneficiary.id)
        if appointment is None:
            appointment = appointment_service.create(
                session,
                beneficiary.id,
                structure.id if structure else beneficiary.structure_id,
                appointment_service.AppointmentFields(
                    **{k: v for k, v in fields.items() if k != "status"}
                ),
            )
            appointment.external_source, appointment.external_id = SOURCE, external_id
            if fields["status"] != AppointmentStatus.unknown:
                appointment_service.update(session, appointment, {"status": fields["status"]})
        else:
            changes = {k: v for k, v in fields.items() if getattr(appointment, k) != v}
            if changes:
                appointment_service.update(session, appointment, changes)
        ids.append(appointment.id)
    # A participant removed from the rdv no longer has it.
    for beneficiary_id, appointment in existing.items():
        if beneficiary_id not in seen and appointment.status == AppointmentStatus.unknown:
            appointment_service.update(session, appointment, {"status": AppointmentStatus.revoked})
            ids.append(appointment.id)
    return ids
