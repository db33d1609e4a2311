"""What the referent sees of a person's data rights (issue 16): an erasure or a withdrawal as
done in the inbox, and the full export to hand over."""

import json

from sqlalchemy import select

from backend.models import Contact, Event, Message
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic


def bot(client, bot_headers, path: str, contact_id: int):
    return client.post(
        f"/api/v1/bot/contacts/{contact_id}/{path}", json={"message_id": None}, headers=bot_headers
    )


def awa_contact(db) -> Contact:
    return db.scalar(select(Contact).where(Contact.beneficiary_id == awa(db).id))


def test_inbox_shows_the_erasure_as_done(signed_in, db, bot_headers):
    client = signed_in("referente@demo.fr")
    assert bot(client, bot_headers, "data-deletion", awa_contact(db).id).status_code == 201
    page = client.get("/referent").text
    assert "A effacé ses données par message (c&#39;est fait, rien à faire)" in page
    assert "Demande l&#39;effacement" not in page


def test_person_page_offers_the_full_export_and_it_is_audited(signed_in, db):
    client = signed_in("referente@demo.fr")
    person = awa(db)
    contact = awa_contact(db)
    db.add(Message(contact_id=contact.id, direction="in", channel="sms", text="je cherche",
                   status="processed"))  # fmt: skip
    db.commit()
    page = client.get(f"/referent/personnes/{person.id}").text
    url = f"/referent/personnes/{person.id}/donnees.json"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["personne"]["prenom"] == "Awa"
    assert any(m["texte"] == "je cherche" for m in data["messages"])
    assert {"consentements", "pre_diagnostics", "rdv", "demandes"} <= set(data)
    db.expire_all()
    assert db.scalar(
        select(Event.id)
        .where(Event.kind == "audit_read", Event.beneficiary_id == person.id)
        .where(Event.data["what"].as_string() == "personal_data_export")
    )


def test_another_structure_cannot_export(signed_in, db):
    client = signed_in("referente@demo.fr")
    response = client.get("/referent/personnes/999999/donnees.json")
    assert response.status_code == 404


def test_the_person_page_marks_it(signed_in, db):
    client = signed_in("referente@demo.fr")
    person = awa(db)
    answered_prediagnostic(
        db, person, {**AWA, "freins": ["papiers"], "impact_papiers": ["conseiller"]}
    )
    db.commit()
    page = client.get(f"/referent/personnes/{person.id}").text
    assert "Elle préfère en parler avec vous : Papiers." in page
