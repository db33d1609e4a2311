"""Consent to the pre-diagnostic and the right of access (issue 16), on SQLite and PostgreSQL,
through the turn router and the bot API as the chat runs them."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import (
    Consent,
    Contact,
    Event,
    Message,
    Prediagnostic,
    PrediagnosticAnswer,
    SituationUpdate,
)
from backend.seed import seed
from backend.services import my_data
from backend.services.conversation import Router
from backend.services.outbox import queue_outbound
from backend.services.questionnaire.engine import Engine
from channels.rendering import render
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic


def nlu(intent: str | None = None, confidence: float = 0.95):
    return lambda text: {"intent": {"name": intent, "confidence": confidence}, "entities": []}


def turn(db, contact: Contact, text: str, intent: str | None = None) -> tuple[Router, object]:
    """One message through the turn router; its replies are stored as the gateway does."""
    message = Message(
        contact_id=contact.id, direction="in", channel="sms", text=text, status="received"
    )
    db.add(message)
    db.flush()
    router = Router(db, contact, message, nlu(intent))
    decision = router.decide(text)
    for reply in render(decision.messages, "sms"):
        queue_outbound(db, contact, reply, in_reply_to=message, simulated=True)
    message.status = "processed"
    db.commit()
    return router, decision


def started(db, address: str = "+33622220000") -> Contact:
    contact = Contact(channel="sms", address=address)
    db.add(contact)
    db.flush()
    engine = Engine(db, contact)
    engine.start()
    for reply in render(engine.ask().messages, "sms"):
        queue_outbound(db, contact, reply, simulated=True)
    db.commit()
    return contact


def test_consent_is_recorded_with_time_wording_and_channel_before_any_question(db):
    contact = started(db)
    assert db.scalars(select(Consent)).all() == []
    _, decision = turn(db, contact, "oui", "affirm")
    [consent] = db.scalars(select(Consent)).all()
    assert consent.given and consent.created_at is not None
    engine = Engine(db, contact)
    assert consent.text_version == f"v{engine.q.version}-{engine.q.digest}"
    assert db.get(Message, consent.source_message_id).channel == "sms"
    assert "travaillé ces 2 dernières années" in decision.messages[-1]["text"]


def test_refusal_leaves_nothing_but_the_refusal(db):
    contact = started(db)
    _, decision = turn(db, contact, "non", "deny")
    assert "je n'enregistre rien" in decision.messages[-1]["text"]
    db.expire_all()
    assert [c.given for c in db.scalars(select(Consent))] == [False]
    assert db.scalars(select(Prediagnostic)).all() == []
    assert db.scalars(select(PrediagnosticAnswer)).all() == []
    assert db.scalars(select(Event).where(Event.kind.like("prediag%"))).all() == []
    # Asked again later, it starts afresh at the consent.
    engine = Engine(db, contact)
    engine.start()
    assert engine.ask().question_key == "consentement"


def test_withdrawal_is_confirmed_then_stops_the_questionnaire_and_tells_the_referent(
    client, db, bot_headers
):
    seed(db)
    db.commit()
    contact = started(db)
    turn(db, contact, "oui", "affirm")
    _, asked = turn(db, contact, "je ne veux plus", "withdraw_consent")
    assert asked.messages[0]["text"] == (
        "Vous ne voulez plus répondre au questionnaire ? Votre conseiller sera prévenu."
    )
    assert asked.messages[0]["menu"]["kind"] == "confirm_intent"
    assert db.scalar(select(Prediagnostic.status)) == "in_progress"  # nothing on a guess
    _, confirmed = turn(db, contact, "oui", "affirm")
    assert confirmed.dialogue == "/withdraw_consent"
    # What action_withdraw_consent asks of the backend.
    response = client.post(
        f"/api/v1/bot/contacts/{contact.id}/consent-withdrawal",
        json={"message_id": None},
        headers=bot_headers,
    )
    assert response.json() == {"withdrawn": True}
    db.expire_all()
    assert db.scalar(select(Prediagnostic.status)) == "abandoned"
    consents = db.scalars(select(Consent).order_by(Consent.id)).all()
    assert [c.given for c in consents] == [True, False]
    assert consents[0].text_version == consents[1].text_version
    [told] = db.scalars(select(SituationUpdate)).all()
    assert (told.kind, told.status) == ("consent_withdrawn", "declared")
    assert Engine(db, contact).in_progress() is False


def test_withdrawal_refused_changes_nothing(db):
    contact = started(db)
    turn(db, contact, "oui", "affirm")
    turn(db, contact, "je retire mon accord", "withdraw_consent")
    _, refused = turn(db, contact, "non", "deny")
    assert refused.messages[0]["text"] == "D'accord, on continue."
    assert db.scalar(select(Prediagnostic.status)) == "in_progress"
    assert [c.given for c in db.scalars(select(Consent))] == [True]


def test_nothing_to_withdraw_without_a_consent(client, db, bot_headers):
    contact = Contact(channel="sms", address="+33622220001")
    db.add(contact)
    db.commit()
    response = client.post(
        f"/api/v1/bot/contacts/{contact.id}/consent-withdrawal",
        json={"message_id": None},
        headers=bot_headers,
    )
    assert response.json() == {"withdrawn": False}
    assert db.scalars(select(Consent)).all() == []


def test_what_do_you_know_about_me_by_theme_without_sensitive_detail(client, db, bot_headers):
    seed(db)
    db.commit()
    person = awa(db)
    contact = db.scalar(select(Contact).where(Contact.beneficiary_id == person.id))
    freins = ["logement", "transport", "sante", "famille", "papiers"]
    answered_prediagnostic(db, person, {**AWA, "freins": freins})
    db.commit()
    response = client.get(f"/api/v1/bot/contacts/{contact.id}/my-data", headers=bot_headers)
    assert response.status_code == 200
    sms = response.json()["text"]
    assert sms.startswith("Pré-diagnostic envoyé. Résumé:")
    assert "Projet: vendeuse" in sms and "logement" in sms
    assert "autres: à voir avec votre conseiller" in sms
    for private in ("santé", "famille", "papiers", person.last_name, "Awa"):
        assert private.casefold() not in sms.casefold()
    assert "EFFACER" in sms
    [reply] = render([{"text": sms}], "sms")
    assert reply.encoding == "GSM-7", sms


def test_what_do_you_know_with_nothing_declared(db):
    contact = Contact(channel="sms", address="+33622220002")
    db.add(contact)
    db.commit()
    assert my_data.summary_sms(db, contact) == my_data.NOTHING
