"""Writing a planned import: people created or updated, their mobile as a verified SMS
contact, an unknown number's pending person absorbed, and the events that tell of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Account, Beneficiary, Contact, Identification
from backend.services.events import EventKind, record_event

from .planning import Plan, Planned, chunks, has_phone, plan
from .reading import read_csv


def _sms_contacts(session: Session, phones: list[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for chunk in chunks(sorted(set(phones))):
        for contact in session.scalars(
            select(Contact).where(Contact.channel == "sms", Contact.address.in_(chunk))
        ):
            found[contact.address] = contact
    return found


def _attach_phone(
    session: Session, person: Beneficiary, phone: str, existing: dict[str, Contact]
) -> Contact | None:
    """The structure's list says this mobile is the person's: an SMS contact, verified (an
    invited person who answers is known, and is not asked a date of birth)."""
    contact = existing.get(phone)
    if contact is None:
        contact = Contact(channel="sms", address=phone, beneficiary_id=person.id, verified=True)
        session.add(contact)
        existing[phone] = contact
    elif contact.beneficiary_id in (None, person.id):
        contact.beneficiary_id, contact.verified = person.id, True
    else:
        return None  # someone else's (checked in plan; a concurrent change is left for triage)
    return contact


def apply(session: Session, account: Account, the_plan: Plan) -> dict[str, Any]:
    from backend.services import triage

    default_referent = account.id if account.role == "referent" else None
    created: list[tuple[Planned, Beneficiary]] = []
    for planned in the_plan.create:
        row = planned.row
        person = Beneficiary(
            first_name=row.first_name,
            last_name=row.last_name,
            birth_date=row.birth_date,
            caf_number=row.caf_number,
            email=row.email,
            structure_id=account.structure_id,
            referent_id=planned.referent_id or default_referent,
            identification=Identification.identified,
            external_ids={"import": {"line": row.line}},
        )
        session.add(person)
        created.append((planned, person))
    session.flush()  # one INSERT batch; the unique (structure, CAF number) guards duplicates
    for planned, person in created:
        if planned.pending_to_absorb is not None:
            pending = session.get(Beneficiary, planned.pending_to_absorb)
            if pending is not None and pending.identification == Identification.pending:
                triage.merge(session, pending, person, account, how="import")
    phones = [p.row.phone for p in the_plan.create + the_plan.update if p.row.phone]
    existing = _sms_contacts(session, phones)
    linked: list[Contact | None] = []
    for planned, person in created:
        if planned.row.phone:
            linked.append(_attach_phone(session, person, planned.row.phone, existing))
        record_event(
            session,
            EventKind.beneficiary_imported,
            beneficiary_id=person.id,
            account_id=account.id,
            data={"line": planned.row.line},
        )
    for planned in the_plan.update:
        known, row = planned.beneficiary, planned.row
        assert known is not None
        known.first_name, known.last_name = row.first_name, row.last_name
        known.birth_date = row.birth_date or known.birth_date
        known.caf_number = row.caf_number or known.caf_number
        known.email = row.email or known.email
        known.referent_id = planned.referent_id or known.referent_id
        if row.phone and not has_phone(known, row.phone):
            linked.append(_attach_phone(session, known, row.phone, existing))
        record_event(
            session,
            EventKind.beneficiary_import_updated,
            beneficiary_id=known.id,
            account_id=account.id,
            data={"line": row.line, "changed": planned.changes},
        )
    session.flush()
    for contact in linked:
        if contact is not None:
            record_event(
                session,
                EventKind.contact_linked,
                contact_id=contact.id,
                beneficiary_id=contact.beneficiary_id,
                data={"channel": "sms", "how": "import"},
            )
    counts = the_plan.counts()
    record_event(
        session,
        EventKind.beneficiaries_import,
        account_id=account.id,
        data={
            "created": counts["created"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
            "rejected": len(counts["rejected"]),
        },
    )
    session.flush()
    return counts


def import_csv(
    session: Session, account: Account, data: bytes | str, *, dry_run: bool = False
) -> tuple[Plan, dict[str, Any]]:
    rows, rejected = read_csv(data)
    the_plan = plan(session, account, rows, rejected)
    return the_plan, the_plan.counts() if dry_run else apply(session, account, the_plan)
