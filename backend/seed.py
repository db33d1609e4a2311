"""Demo data for `make run`: a structure, one account per role, a beneficiary with a phone.

Idempotent: running it again changes nothing. Prints the accounts to sign in with.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import session_scope
from backend.core.security import hash_password
from backend.models import Account, Appointment, Beneficiary, Contact, Role, Structure

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-parcours-2026")
DEMO_PHONE = "+33612345678"

ACCOUNTS = [
    ("referente@demo.fr", "Claire Martin", Role.referent),
    ("coordinateur@demo.fr", "Karim Benali", Role.coordinator),
    ("admin@demo.fr", "Admin Démo", Role.admin),
]


def _structure(session: Session, name: str, **fields: str) -> Structure:
    structure = session.scalar(select(Structure).where(Structure.name == name))
    if structure is None:
        structure = Structure(name=name, **fields)
        session.add(structure)
        session.flush()
    return structure


def _account(session: Session, email: str, name: str, role: Role, structure: Structure) -> Account:
    account = session.scalar(select(Account).where(Account.email == email))
    if account is None:
        account = Account(
            email=email,
            full_name=name,
            role=role,
            structure_id=structure.id,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        session.add(account)
        session.flush()
    return account


class SeedResult(TypedDict):
    structure: str
    accounts: list[tuple[str, Role]]


def seed(session: Session) -> SeedResult:
    structure = _structure(
        session,
        "Mission locale Démo",
        kind="ml",
        address="12 rue de la République, 69002 Lyon",
        phone="0472000000",
    )
    other = _structure(session, "Département Voisin - Insertion", kind="cd")
    accounts = [_account(session, e, n, r, structure) for e, n, r in ACCOUNTS]
    _account(session, "referent.voisin@demo.fr", "Paul Durand", Role.referent, other)

    contact = session.scalar(
        select(Contact).where(Contact.channel == "sms", Contact.address == DEMO_PHONE)
    )
    if contact is None:
        beneficiary = Beneficiary(
            first_name="Awa",
            last_name="Diallo",
            birth_date=date(1994, 5, 14),
            structure_id=structure.id,
            referent_id=accounts[0].id,
        )
        session.add(beneficiary)
        session.flush()
        session.add(
            Contact(beneficiary_id=beneficiary.id, channel="sms", address=DEMO_PHONE, verified=True)
        )
        paris = ZoneInfo("Europe/Paris")
        day = (datetime.now(paris) + timedelta(days=5)).date()
        session.add(
            Appointment(
                beneficiary_id=beneficiary.id,
                structure_id=structure.id,
                starts_at=datetime(day.year, day.month, day.day, 14, 30, tzinfo=paris),
                duration_minutes=45,
                mode="office",
                place=structure.address,
                with_whom="Claire Martin",
                motif="Premier rendez-vous d'accompagnement",
            )
        )
    return {"structure": structure.name, "accounts": [(a.email, a.role) for a in accounts]}


def main() -> None:
    with session_scope() as session:
        result = seed(session)
    print(f"Demo structure: {result['structure']}")
    for email, role in result["accounts"]:
        print(f"  {role:<12} {email}  password: {DEMO_PASSWORD}")


if __name__ == "__main__":
    main()
