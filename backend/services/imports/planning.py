"""Planning an import without writing: who is created, updated, unchanged or rejected, matched
on ``numero_allocataire`` then on the phone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.models import Account, Beneficiary, Contact, Identification
from channels.identity import PHONE_CHANNELS

from .reading import Rejection, Row


@dataclass
class Planned:
    row: Row
    beneficiary: Beneficiary | None = None  # the person updated (None: created)
    changes: list[str] = field(default_factory=list)  # French labels of what changes
    referent_id: int | None = None
    pending_to_absorb: int | None = None  # an unknown number's pending person with this phone


@dataclass
class Plan:
    create: list[Planned] = field(default_factory=list)
    update: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": len(self.unchanged),
            "rejected": [r.as_json() for r in sorted(self.rejected, key=lambda r: r.line)],
        }


def chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


@dataclass
class _Known:
    """What the database already knows about the file's CAF numbers and phones (a few queries
    for the whole file instead of several per line)."""

    by_caf: dict[str, list[Beneficiary]] = field(default_factory=dict)
    by_phone: dict[str, Beneficiary] = field(default_factory=dict)


def _known(session: Session, rows: list[Row]) -> _Known:
    known = _Known()
    cafs = sorted({r.caf_number for r in rows if r.caf_number})
    phones = sorted({r.phone for r in rows if r.phone})
    for chunk in chunks(cafs):
        for person in session.scalars(
            select(Beneficiary)
            .where(func.upper(Beneficiary.caf_number).in_(chunk))
            .options(selectinload(Beneficiary.contacts))
        ):
            known.by_caf.setdefault((person.caf_number or "").upper(), []).append(person)
    for chunk in chunks(phones):
        for contact in session.scalars(
            select(Contact)
            .where(
                Contact.channel.in_(PHONE_CHANNELS),
                Contact.address.in_(chunk),
                Contact.beneficiary_id.is_not(None),
            )
            .options(selectinload(Contact.beneficiary).selectinload(Beneficiary.contacts))
            .order_by(Contact.id)
        ):
            if contact.address not in known.by_phone and contact.beneficiary is not None:
                known.by_phone[contact.address] = contact.beneficiary
    return known


def has_phone(beneficiary: Beneficiary, phone: str) -> bool:
    return any(c.address == phone and c.channel in PHONE_CHANNELS for c in beneficiary.contacts)


def plan(session: Session, account: Account, rows: list[Row], rejected: list[Rejection]) -> Plan:
    result = Plan(rejected=list(rejected))
    structure_id = account.structure_id
    referents = {
        email.lower(): account_id
        for account_id, email in session.execute(
            select(Account.id, Account.email).where(
                Account.structure_id == structure_id, Account.is_active.is_(True)
            )
        )
    }
    seen_caf: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    with session.no_autoflush:
        known = _known(session, rows)
    for row in rows:
        if row.caf_number and row.caf_number in seen_caf:
            reason = f"même numéro d'allocataire que la ligne {seen_caf[row.caf_number]}"
            result.rejected.append(Rejection(row.line, reason))
            continue
        if row.phone and row.phone in seen_phone:
            reason = f"même téléphone que la ligne {seen_phone[row.phone]}"
            result.rejected.append(Rejection(row.line, reason))
            continue
        referent_id = None
        if row.referent_email:
            referent_id = referents.get(row.referent_email)
            if referent_id is None:
                reason = f"référent inconnu dans votre structure : {row.referent_email}"
                result.rejected.append(Rejection(row.line, reason))
                continue
        planned = Planned(row, referent_id=referent_id)
        refused = _match(known, planned, structure_id)
        if refused:
            result.rejected.append(Rejection(row.line, refused))
            continue
        if row.caf_number:
            seen_caf[row.caf_number] = row.line
        if row.phone:
            seen_phone[row.phone] = row.line
        if planned.beneficiary is None:
            result.create.append(planned)
        elif planned.changes:
            result.update.append(planned)
        else:
            result.unchanged.append(planned)
    return result


def _match(known: _Known, planned: Planned, structure_id: int) -> str | None:
    """Find the person (numero_allocataire first, then phone); a reason when refused."""
    row = planned.row
    person = None
    if row.caf_number:
        people = known.by_caf.get(row.caf_number, [])
        if any(p.structure_id != structure_id for p in people):
            return "ce numéro d'allocataire est suivi par une autre structure"
        person = people[0] if people else None
    owner = known.by_phone.get(row.phone) if row.phone else None
    if owner is not None and owner.identification == Identification.pending:
        # An unknown number that already wrote to us: it becomes this person (see apply).
        planned.pending_to_absorb = owner.id
        owner = None
    if owner is not None:
        if owner.structure_id != structure_id:
            return "ce téléphone est celui d'une personne suivie par une autre structure"
        if person is not None and owner.id != person.id:
            return "ce téléphone est déjà celui d'une autre personne de votre structure"
        if person is None and owner.caf_number and row.caf_number:
            return (
                f"ce téléphone est déjà celui d'une autre personne "
                f"(n° allocataire {owner.caf_number})"
            )
        person = owner
    planned.beneficiary = person
    if person is not None:
        planned.changes = _changes(person, planned)
    return None


def _changes(person: Beneficiary, planned: Planned) -> list[str]:
    row, changes = planned.row, []
    if row.last_name != person.last_name:
        changes.append("nom")
    if row.first_name != person.first_name:
        changes.append("prénom")
    if row.birth_date and row.birth_date != person.birth_date:
        changes.append("date de naissance")
    if row.caf_number and row.caf_number != person.caf_number:
        changes.append("numéro d'allocataire")
    if row.email and row.email != person.email:
        changes.append("e-mail")
    if planned.referent_id and planned.referent_id != person.referent_id:
        changes.append("référent")
    if row.phone and not has_phone(person, row.phone):
        changes.append("téléphone")
    return changes
