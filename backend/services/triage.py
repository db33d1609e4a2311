"""Triage of unknown numbers: people "pending identification" made known to a structure.

A number nobody knows that starts a pre-diagnostic, asks for a callback or says it cannot
attend gets a person with ``identification=Identification.pending`` and no structure. Staff either link it
to a person of their structure (contacts, with their messages, pre-diagnostics, declarations
and requests move onto that person) or make it a person of their structure. Both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Account,
    Beneficiary,
    CallbackRequest,
    Consent,
    Contact,
    Event,
    Identification,
    Message,
    MessageDirection,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
)
from backend.services.events import EventKind, record_event

# Rows that belong to a person and move with them (contacts carry their messages).
MOVED: dict[
    str,
    type[Prediagnostic]
    | type[SituationItem]
    | type[ProfessionalProject]
    | type[CallbackRequest]
    | type[SituationUpdate]
    | type[Consent],
] = {
    "prediagnostics": Prediagnostic,
    "situation_items": SituationItem,
    "professional_projects": ProfessionalProject,
    "callback_requests": CallbackRequest,
    "situation_updates": SituationUpdate,
    "consents": Consent,
}


class TriageError(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def pending_person(session: Session, contact: Contact) -> Beneficiary:
    """The contact's person, made 'pending identification' when the number is unknown."""
    if contact.beneficiary_id is None:
        person = Beneficiary(identification=Identification.pending)
        session.add(person)
        session.flush()
        contact.beneficiary_id = person.id
        session.flush()
        session.refresh(contact)
    assert contact.beneficiary is not None
    return contact.beneficiary


@dataclass
class PendingRow:
    person: Beneficiary
    contacts: list[Contact]
    first_message_at: datetime | None
    last_message_at: datetime | None
    prediagnostic: Prediagnostic | None
    requests: list[CallbackRequest] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.person.id,
            "contacts": [
                {"id": c.id, "channel": c.channel, "address": c.address, "status": c.status}
                for c in self.contacts
            ],
            "first_message_at": _iso(self.first_message_at),
            "last_message_at": _iso(self.last_message_at),
            "prediagnostic": (
                {"id": self.prediagnostic.id, "status": self.prediagnostic.status}
                if self.prediagnostic
                else None
            ),
            "requests": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "preferred_time": r.preferred_time,
                    "reason": r.reason,
                    "status": r.status,
                    "created_at": _iso(r.created_at),
                }
                for r in self.requests
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def pending_rows(session: Session) -> list[PendingRow]:
    people = session.scalars(
        select(Beneficiary)
        .where(Beneficiary.identification == Identification.pending)
        .order_by(Beneficiary.id)
    ).all()
    ids = [p.id for p in people]
    if not ids:
        return []
    times = {
        beneficiary_id: (first, last)
        for beneficiary_id, first, last in session.execute(
            select(
                Contact.beneficiary_id, func.min(Message.created_at), func.max(Message.created_at)
            )
            .join(Message, Message.contact_id == Contact.id)
            .where(Contact.beneficiary_id.in_(ids), Message.direction == MessageDirection.inbound)
            .group_by(Contact.beneficiary_id)
        )
    }
    prediagnostics: dict[int, Prediagnostic] = {}
    for prediagnostic in session.scalars(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id.in_(ids))
        .order_by(Prediagnostic.id)
    ):
        prediagnostics[prediagnostic.beneficiary_id] = prediagnostic
    requests: dict[int, list[CallbackRequest]] = {}
    for request in session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.beneficiary_id.in_(ids))
        .order_by(CallbackRequest.id)
    ):
        requests.setdefault(request.beneficiary_id or 0, []).append(request)
    rows = [
        PendingRow(
            person=p,
            contacts=list(p.contacts),
            first_message_at=_aware(times.get(p.id, (None, None))[0]),
            last_message_at=_aware(times.get(p.id, (None, None))[1]),
            prediagnostic=prediagnostics.get(p.id),
            requests=requests.get(p.id, []),
        )
        for p in people
    ]
    epoch = datetime.max.replace(tzinfo=None)
    return sorted(
        rows,
        key=lambda r: r.last_message_at.replace(tzinfo=None) if r.last_message_at else epoch,
        reverse=True,
    )


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    # func.min()/max() bypass the column type on SQLite and hand back naive UTC values.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _pending(session: Session, pending_id: int) -> Beneficiary:
    person = session.get(Beneficiary, pending_id)
    if person is None:
        raise TriageError(404, "unknown person")
    if person.identification != Identification.pending:
        raise TriageError(409, "this person is no longer pending identification")
    return person


def merge(
    session: Session, pending: Beneficiary, target: Beneficiary, account: Account | None, how: str
) -> dict[str, int]:
    """Move everything of ``pending`` onto ``target``; ``pending`` stays as a tombstone."""
    moved: dict[str, int] = {}
    contacts = list(pending.contacts)
    for contact in contacts:
        contact.beneficiary_id = target.id
        contact.verified = True  # staff (or the structure's own list) vouched for the number
    moved["contacts"] = len(contacts)
    for name, model in MOVED.items():
        result = session.execute(
            update(model)
            .where(model.beneficiary_id == pending.id)
            .values(beneficiary_id=target.id)
            .execution_options(synchronize_session=False)
        )
        moved[name] = cast(CursorResult[Any], result).rowcount or 0
    session.execute(
        update(Event)
        .where(Event.beneficiary_id == pending.id)
        .values(beneficiary_id=target.id)
        .execution_options(synchronize_session=False)
    )
    pending.identification = Identification.merged
    pending.external_ids = {**(pending.external_ids or {}), "merged_into": target.id}
    record_event(
        session,
        EventKind.triage_linked,
        beneficiary_id=target.id,
        account_id=account.id if account else None,
        data={"from_beneficiary_id": pending.id, "how": how, "moved": moved},
    )
    session.flush()
    session.expire_all()
    return moved


def link(session: Session, pending_id: int, target_id: int, account: Account) -> dict[str, int]:
    pending = _pending(session, pending_id)
    target = session.get(Beneficiary, target_id)
    if target is None or target.structure_id != account.structure_id:
        raise TriageError(404, "no such person in your structure")
    if target.identification != Identification.identified:
        raise TriageError(409, "link to an identified person")
    return merge(session, pending, target, account, how="triage")


def create(
    session: Session,
    pending_id: int,
    account: Account,
    *,
    first_name: str,
    last_name: str,
    birth_date: date | None = None,
    caf_number: str | None = None,
) -> Beneficiary:
    """The unknown number is a new person of the account's structure."""
    person = _pending(session, pending_id)
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not first_name or not last_name:
        raise TriageError(422, "first and last name are required")
    caf_number = (caf_number or "").replace(" ", "").upper() or None
    if caf_number and session.scalar(
        select(Beneficiary.id).where(
            Beneficiary.structure_id == account.structure_id, Beneficiary.caf_number == caf_number
        )
    ):
        raise TriageError(409, "this numero_allocataire is already a person of your structure")
    person.first_name, person.last_name = first_name[:100], last_name[:100]
    person.birth_date = birth_date
    person.caf_number = caf_number
    person.structure_id = account.structure_id
    person.referent_id = account.id if account.role == "referent" else None
    person.identification = Identification.identified
    for contact in person.contacts:
        contact.verified = True
    record_event(
        session,
        EventKind.triage_created,
        beneficiary_id=person.id,
        account_id=account.id,
        data={"contacts": [c.id for c in person.contacts]},
    )
    session.flush()
    return person
