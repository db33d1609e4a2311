"""The whole path through real servers: simulator -> pipeline -> Rasa -> action -> backend."""

import time

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Event, Message
from channels.base import Inbound
from channels.pipeline import enqueue_processing, persist_inbound


def test_bonjour_gets_a_french_menu_and_both_messages_are_stored(chat, e2e_db):
    person = chat("+33612345678")  # the seeded demo beneficiary, Awa
    [reply] = person.say("bonjour")
    assert reply["text"].startswith("Bonjour Awa !")
    assert "1 Faire mon pré-diagnostic" in reply["text"]
    assert reply["text"].endswith("Répondez 1, 2, 3 ou 4")
    assert (reply["encoding"], reply["segments"]) == ("GSM-7", 1)
    assert [b["payload"] for b in reply["buttons"]][:2] == [
        "/start_prediagnostic",
        "/ask_next_appointment",
    ]
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33612345678"))
        inbound, outbound = session.scalars(
            select(Message)
            .where(Message.contact_id == contact.id)
            .order_by(Message.id.desc())
            .limit(2)
        ).all()[::-1]
    assert (inbound.direction, inbound.text, inbound.status) == ("in", "bonjour", "processed")
    assert (outbound.direction, outbound.status) == ("out", "simulated")
    assert outbound.in_reply_to_id == inbound.id and outbound.text == reply["text"]


def test_an_unknown_person_gets_the_menu_without_a_name(chat):
    [reply] = chat().say("Bonjour")
    assert reply["text"].startswith("Bonjour ! Que voulez-vous faire ?")


def test_not_understood_is_said_honestly_and_recorded(chat, e2e_db, new_phone):
    person = chat(new_phone)
    text = person.say_text("zxqv wplk")
    assert text.startswith("Je n'ai pas compris")
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_phone))
        events = session.scalars(
            select(Event).where(Event.contact_id == contact.id, Event.kind == "nlu_fallback")
        ).all()
    assert [e.data["text"] for e in events] == ["zxqv wplk"]


def test_a_digit_picks_the_numbered_option(chat, new_phone):
    person, other = chat(), chat(new_phone[:-5] + "99999")
    person.say("bonjour")
    other.say("bonjour")
    # "3" is "Changer ma situation": the same answer as the menu's own payload.
    assert person.say_text("3") == other.say_text("/update_situation")


def test_web_and_telegram_keep_buttons_out_of_the_text(chat):
    [reply] = chat(channel="telegram").say("salut")
    assert "Répondez" not in reply["text"]
    assert len(reply["buttons"]) == 4


def test_worker_processes_a_contacts_messages_in_order(stack, e2e_db, e2e_telegram):
    """Real channel path: persisted, queued, run by the worker process in arrival order.
    Messages already waiting when the contact's turn starts are one turn: the latest one's
    (channels/flood.py); the earlier ones are stored and marked batched."""
    texts = ["bonjour", "aide", "merci"]
    with session_scope() as session:
        ids = []
        for text in texts:
            message, created = persist_inbound(
                session,
                Inbound(channel="telegram", address="4242", text=text, provider_id=f"upd-{text}"),
            )
            assert created
            enqueue_processing(session, message)
            ids.append(message.id)
        duplicate, created = persist_inbound(
            session,
            Inbound(channel="telegram", address="4242", text="bonjour", provider_id="upd-bonjour"),
        )
        assert not created and duplicate.id == ids[0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with session_scope() as session:
            statuses = [session.get(Message, i).status for i in ids]
            replies = session.scalars(
                select(Message).where(Message.in_reply_to_id.in_(ids)).order_by(Message.id)
            ).all()
            if statuses[-1] == "processed" and replies:
                break
        time.sleep(0.3)
    assert statuses == ["batched", "batched", "processed"]
    assert {r.in_reply_to_id for r in replies} == {ids[-1]}
    # The replies go out through the (fake) Telegram Bot API.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session_scope() as session:
            outbound = session.scalars(select(Message).where(Message.in_reply_to_id.in_(ids)))
            if all(m.status == "sent" for m in outbound):
                break
        time.sleep(0.3)
    with session_scope() as session:
        outbound = session.scalars(select(Message).where(Message.in_reply_to_id.in_(ids))).all()
        assert {m.status for m in outbound} == {"sent"}
    assert [c for c in e2e_telegram.method_calls("sendMessage") if str(c["chat_id"]) == "4242"]
