"""Unknown numbers and invited people through the real stack (Rasa, actions, backend, worker)."""

from __future__ import annotations

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Account, Beneficiary, CallbackRequest, Contact, Invitation
from backend.services import invitations


def requests_of(phone: str) -> tuple[Beneficiary | None, list[CallbackRequest]]:
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == phone))
        person = contact.beneficiary if contact else None
        rows = (
            list(
                session.scalars(
                    select(CallbackRequest).where(CallbackRequest.beneficiary_id == person.id)
                )
            )
            if person
            else []
        )
        return person, rows


def test_an_unknown_numbers_callback_request_is_kept_for_triage(chat, e2e_db, new_phone):
    person = chat()
    assert "vous rappelle ?" in person.say_text("je veux parler a ma conseillere")
    text = person.say_text("oui")  # confirmed first: nothing is done on a guess
    assert text.startswith("Quand préférez-vous qu'on vous appelle ?"), text
    text = person.say_text("lundi matin")
    assert "Ce numéro n'est pas encore connu" in text, text
    pending, rows = requests_of(new_phone)
    assert pending is not None and pending.identification == "pending"
    assert [(r.kind, r.preferred_time) for r in rows] == [("callback", "lundi matin")]


def test_an_unknown_numbers_absence_is_kept_for_triage(chat, e2e_db, new_phone):
    person = chat()
    assert "Vous ne pouvez pas venir" in person.say_text("je ne pourrai pas venir a mon rdv")
    text = person.say_text("1")
    assert text.startswith("Pouvez-vous dire pourquoi ?"), text
    assert "Je ne trouve pas de dossier" not in text
    text = person.say_text("je suis malade")
    assert "Ce numéro n'est pas encore connu" in text, text
    _pending, rows = requests_of(new_phone)
    assert [(r.kind, r.reason, r.appointment_id) for r in rows] == [
        ("cannot_attend", "je suis malade", None)
    ]


def test_an_invited_person_who_answers_starts_the_prediagnostic_as_a_known_person(
    chat, e2e_db, new_phone
):
    with session_scope() as session:
        account = session.scalar(select(Account).where(Account.email == "referente@demo.fr"))
        person = Beneficiary(
            first_name="Inès", last_name="Invitée", structure_id=account.structure_id
        )
        session.add(person)
        session.flush()
        session.add(
            Contact(beneficiary_id=person.id, channel="sms", address=new_phone, verified=True)
        )
        session.flush()
        assert invitations.invite(session, account, [person.id]).invited
    text = chat().say_text("oui")
    assert "date de naissance" not in text
    assert "pré-diagnostic" in text or "?" in text
    with session_scope() as session:
        invitation = session.scalar(
            select(Invitation).where(Invitation.beneficiary_id == person.id)
        )
        assert invitation.status == "answered"
