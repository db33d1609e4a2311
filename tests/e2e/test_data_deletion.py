"""'Effacer mes données' through the real stack: one confirmation saying what goes and what
stays, then the words typed are gone from the backend's store and from Rasa's tracker store."""

import sqlite3
import time

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Consent, Contact, Event, Prediagnostic
from tests.test_erasure import found_anywhere

WORD = "Zorglubia"


def tracker_rows(stack, sender_id: str) -> list[str]:
    with sqlite3.connect(stack.tracker_db) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT data FROM events WHERE sender_id = ?", (sender_id,)
            )
        ]


def test_erasure_leaves_no_word_typed_anywhere(chat, stack, e2e_db, new_phone):
    person = chat(new_phone)
    person.say_text(f"bonjour c'est {WORD}")  # to Rasa's dialogue: kept in its tracker
    assert "On commence ?" in person.say_text("je veux faire le pre diagnostic")
    assert "travaillé ces 2 dernières années" in person.say_text("oui")
    person.say_text(f"je suis {WORD} de métier")
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_phone))
        contact_id = contact.id
        assert "messages" in found_anywhere(session, WORD)
    assert any(WORD in data for data in tracker_rows(stack, str(contact_id)))

    asked = person.say_text("EFFACER")  # as the consent question says
    assert asked.startswith("Effacer vos messages et réponses ? Votre conseiller garde vos RDV")
    assert "1 Oui, effacer" in asked
    assert "C'est fait : vos messages et vos réponses sont effacés." in person.say_text("1")

    with session_scope() as session:
        assert found_anywhere(session, WORD) == []
        contact = session.get(Contact, contact_id)
        assert (
            session.scalars(
                select(Prediagnostic).where(Prediagnostic.beneficiary_id == contact.beneficiary_id)
            ).all()
            == []
        )
        assert session.scalar(
            select(Consent.given).where(Consent.beneficiary_id == contact.beneficiary_id)
        )
        assert session.scalar(
            select(Event.id).where(Event.kind == "data_erased", Event.contact_id == contact_id)
        )
    # The worker deletes Rasa's conversation once the turn is over.
    deadline = time.monotonic() + 20
    while tracker_rows(stack, str(contact_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tracker_rows(stack, str(contact_id)) == []


def test_declining_deletion_goes_back_to_the_question(chat, new_phone):
    person = chat(new_phone)
    person.say_text("je veux faire le pre diagnostic")
    person.say_text("oui")
    person.say_text("effacer mes infos")
    text = person.say_text("2")
    assert text.startswith("D'accord, je garde tout.")
    assert "travaillé ces 2 dernières années" in text
