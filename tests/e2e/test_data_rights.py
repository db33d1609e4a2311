"""Withdrawing consent and asking what is known, typed as people type, through the real stack."""

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Consent, Contact, Prediagnostic


def test_je_ne_veux_plus_is_confirmed_then_stops_the_questionnaire(chat, e2e_db, new_phone):
    person = chat(new_phone)
    person.say_text("je veux faire le pre diagnostic")
    assert "travaillé ces 2 dernières années" in person.say_text("oui")
    asked = person.say_text("je ne veux plus répondre à vos questions")
    assert asked.startswith(
        "Vous ne voulez plus répondre au questionnaire ? Votre conseiller sera prévenu."
    )
    done = person.say_text("1")
    assert "plus de questions, votre conseiller est prévenu" in done
    assert "travaillé ces 2 dernières années" not in done
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_phone))
        given = session.scalars(
            select(Consent.given)
            .where(Consent.beneficiary_id == contact.beneficiary_id)
            .order_by(Consent.id)
        ).all()
        assert given == [True, False]
        status = session.scalar(
            select(Prediagnostic.status).where(
                Prediagnostic.beneficiary_id == contact.beneficiary_id
            )
        )
        assert status == "abandoned"


def test_what_do_you_know_about_me(chat, new_phone):
    person = chat(new_phone)
    person.say_text("je veux faire le pre diagnostic")
    person.say_text("oui")
    text = person.say_text("qu'est-ce que vous savez sur moi ?")
    assert text.startswith("Pré-diagnostic en cours.")
    assert "EFFACER" in text
    # Then the pending question, on its own.
    assert "travaillé ces 2 dernières années" in text
