"""STOP / START through the simulator: handled by the gateway, Rasa is not even needed."""

import pytest
from sqlalchemy import select

from backend.models import Contact, Event, Message
from channels.optout import is_opt_in, is_opt_out


@pytest.mark.parametrize(
    "text", ["STOP", "stop", "Arrêt", "ARRET", "STOP SMS", "Désabonner", "UNSUBSCRIBE", " stop. "]
)
def test_opt_out_keywords(text):
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text", ["je veux arreter le questionnaire", "stop le rdv", "arreter", "non", ""]
)
def test_sentences_are_not_opt_outs(text):
    assert not is_opt_out(text)


def test_start_is_an_opt_in():
    assert is_opt_in("START") and is_opt_in("Start") and not is_opt_in("commencer")


def test_stop_then_start(client, db):
    body = {"contact": "+33698765432", "channel": "sms", "text": "STOP"}
    [reply] = client.post("/api/v1/simulate", json=body).json()["replies"]
    assert reply["text"].startswith("C'est noté, vous ne recevrez plus de messages.")
    assert reply["encoding"] == "GSM-7"
    contact = db.scalar(select(Contact).where(Contact.address == "+33698765432"))
    assert contact.status == "stopped"
    [reply] = client.post("/api/v1/simulate", json={**body, "text": "start"}).json()["replies"]
    assert "à nouveau" in reply["text"]
    db.refresh(contact)
    assert contact.status == "active"
    kinds = db.scalars(select(Event.kind).where(Event.contact_id == contact.id)).all()
    assert kinds == ["contact_opt_out", "contact_opt_in"]
    assert len(db.scalars(select(Message).where(Message.contact_id == contact.id)).all()) == 4
