"""'Effacer mes données': one confirmation, then a request for the referent; never silent."""

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Prediagnostic, SituationUpdate


def test_deletion_mid_questionnaire_stops_it_and_reaches_the_referent(chat, e2e_db, new_phone):
    person = chat(new_phone)
    assert "On commence ?" in person.say_text("je veux faire le pre diagnostic")
    assert "travaillé ces 2 dernières années" in person.say_text("oui")
    asked = person.say_text("supprimer mes donnees")
    assert "Voulez-vous que vos réponses et vos données soient effacées ?" in asked
    assert "1 Oui, tout effacer" in asked
    done = person.say_text("1")
    assert "Je transmets votre demande" in done
    assert "effacées et on vous le confirmera" in done
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_phone))
        [request] = session.scalars(
            select(SituationUpdate).where(SituationUpdate.contact_id == contact.id)
        ).all()
        assert (request.kind, request.status) == ("data_deletion", "declared")
        assert request.source_message_id is not None
        statuses = session.scalars(
            select(Prediagnostic.status).where(
                Prediagnostic.beneficiary_id == contact.beneficiary_id
            )
        ).all()
        assert statuses == ["abandoned"]


def test_declining_deletion_goes_back_to_the_question(chat, new_phone):
    person = chat(new_phone)
    person.say_text("je veux faire le pre diagnostic")
    person.say_text("oui")
    person.say_text("effacer mes infos")
    text = person.say_text("2")
    assert text.startswith("D'accord, je garde tout.")
    assert "travaillé ces 2 dernières années" in text
