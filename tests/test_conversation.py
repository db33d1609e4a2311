"""The turn router: what a message means in its context (backend/services/conversation.py).

Rasa's NLU is replaced here by a fixed table of parses (the e2e tests run the real model); the
database, the questionnaire engine, the renderer and the stored menus are the real ones, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.models import Contact, Event, Message, PrediagnosticAnswer
from backend.services.conversation import Router, is_held
from backend.services.outbox import store_replies
from backend.services.questionnaire.engine import Engine
from channels.rendering import render

MAIN_MENU = [
    {"title": "Faire mon pré-diagnostic", "payload": "/start_prediagnostic"},
    {"title": "Voir mon prochain RDV", "payload": "/ask_next_appointment"},
    {"title": "Changer ma situation", "payload": "/update_situation"},
]
APPOINTMENT = [
    {"title": "Je confirme", "payload": "/confirm_attendance"},
    {"title": "Je ne peux pas venir", "payload": "/cannot_attend"},
]
INTENTS = {
    "je peux pas venir": ("cannot_attend", 0.97),
    "est ce que je peux venir avec ma fille au rdv": ("cannot_attend", 0.9),
    "plus de textos svp": ("stop", 0.95),
    "oui tout de suite si je trouve une solution pour la garde": ("confirm_attendance", 0.91),
    "c'est quand mon rdv ?": ("ask_next_appointment", 0.99),
}


def nlu(text: str) -> dict:
    if text.startswith("/"):
        return {"intent": {"name": text[1:].split("{")[0], "confidence": 1.0}, "entities": []}
    name, confidence = INTENTS.get(text, ("out_of_scope", 0.5))
    return {"intent": {"name": name, "confidence": confidence}, "entities": []}


class Person:
    def __init__(self, db, address: str = "+33622222222", defer_intent: bool = False) -> None:
        self.db = db
        self.defer_intent = defer_intent
        self.contact = Contact(channel="sms", address=address)
        db.add(self.contact)
        db.commit()

    def receive(self, messages: list[dict]) -> None:
        """The bot sent these (stored as the gateway stores them, with their menu)."""
        inbound = self._inbound("(earlier)")
        store_replies(self.db, inbound, render(messages, "sms"))
        self.db.commit()

    def _inbound(self, text: str) -> Message:
        message = Message(
            contact_id=self.contact.id, direction="in", channel="sms", text=text, status="received"
        )
        self.db.add(message)
        self.db.commit()
        return message

    def say(self, text: str):
        message = self._inbound(text)
        self.db.refresh(self.contact)
        router = Router(self.db, self.contact, message, nlu)
        decision = router.decide(text, defer_intent=self.defer_intent)
        if decision.hold is not None:
            # As the gateway connector does (bot/connectors/gateway.py): the parse, then the
            # dialogue unless the parse is one the router weighs first.
            assert decision.dialogue == text
            parsed = nlu(text)
            if is_held(parsed):
                decision = router.held(text, parsed)
        if decision.messages:
            store_replies(self.db, message, render(decision.messages, "sms"))
        self.db.commit()
        return decision

    def start_questionnaire(self, answers: list[str]) -> None:
        engine = Engine(self.db, self.contact)
        engine.start()
        self.receive(engine.ask().messages)
        for text in answers:
            self.say(text)


@pytest.fixture(params=[False, True], ids=["parse_first", "one_call"])
def person(db, request):
    """Every case both ways: the router parsing itself, and the gateway's one call to Rasa
    (parse and dialogue together, the router deciding after a held parse): the same decisions."""
    return Person(db, defer_intent=request.param)


def test_a_menus_own_payload_or_number_is_an_explicit_choice(person):
    person.receive([{"text": "Que voulez-vous faire ?", "buttons": MAIN_MENU}])
    assert person.say("3").dialogue == "/update_situation"
    person.receive([{"text": "Que voulez-vous faire ?", "buttons": MAIN_MENU}])
    decision = person.say("/update_situation")
    assert (decision.dialogue, decision.reason) == ("/update_situation", "menu_intent")


def test_free_words_with_consequences_are_confirmed_and_a_no_does_nothing(person):
    decision = person.say("est ce que je peux venir avec ma fille au rdv")
    assert decision.dialogue is None
    [reply] = render(decision.messages, "sms")
    assert reply.text == (
        "Vous ne pouvez pas venir à votre RDV, c'est bien ca ?\n1 Oui\n2 Non\nRépondez 1 ou 2"
    )
    assert reply.segments == 1
    refused = person.say("non non je viens, c'est juste pour savoir")
    assert refused.dialogue is None and refused.messages[0]["text"].startswith("D'accord")
    # Asked again and confirmed: only now does the flow run.
    person.say("je peux pas venir")
    assert person.say("1").dialogue == "/cannot_attend"


def test_a_plain_words_opt_out_is_confirmed_then_applied(person):
    asked = person.say("plus de textos svp")
    assert "plus recevoir nos messages" in asked.messages[0]["text"]
    assert person.say("oui").opt_out is True


def test_after_an_appointment_menu_a_questionnaire_answer_is_an_answer(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "passer"])  # ... up to "capacite"
    assert Engine(db, person.contact).pending_question().key == "capacite"
    person.receive([{"text": "Votre prochain RDV : lundi 14h.", "buttons": APPOINTMENT}])
    decision = person.say("oui tout de suite si je trouve une solution pour la garde")
    assert decision.dialogue is None  # not "I confirm my appointment"
    saved = db.scalars(
        select(PrediagnosticAnswer.value).where(PrediagnosticAnswer.question_key == "capacite")
    ).all()
    assert saved == [["oui"]]


def test_a_number_answers_only_the_last_menu(person, db):
    person.start_questionnaire(["oui", "2", "1"])  # "niveau" asked
    person.receive([{"text": "Votre prochain RDV : lundi 14h.", "buttons": APPOINTMENT}])
    # "7" is not an option of the appointment menu: the question is shown again, whole.
    decision = person.say("7")
    [reply] = render(decision.messages, "sms")
    assert "niveau d'études" in reply.text and "\n10 Bac+5" in reply.text
    assert (
        db.scalar(select(PrediagnosticAnswer).where(PrediagnosticAnswer.question_key == "niveau"))
        is None
    )
    # Now the question's list is the last one: "7" answers it.
    person.say("7")
    assert db.scalar(
        select(PrediagnosticAnswer.value).where(PrediagnosticAnswer.question_key == "niveau")
    ) == ["NV4"]


def test_a_best_guess_is_confirmed_in_one_sms_and_kept_on_yes(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "passer", "1", "1", "vendeuse", "15"])
    person.start_questionnaire(["cdi", "plein", "transport", "beaucoup"])
    assert Engine(db, person.contact).pending_question().key == "situations_transport"
    decision = person.say("kovoitirage")  # a loose likeness: not taken as said
    [reply] = render(decision.messages, "sms")
    assert reply.text.startswith("Covoiturage : c'est bien ca ?\n1 Oui\n2 Non")
    assert reply.segments == 1
    person.say("oui")
    assert db.scalar(
        select(PrediagnosticAnswer.value).where(
            PrediagnosticAnswer.question_key == "situations_transport"
        )
    ) == ["covoiturage"]


def test_answers_not_understood_reach_the_coordinators_with_their_question(person, db):
    person.start_questionnaire(["oui"])
    person.say("zxqv")
    event = db.scalar(select(Event).where(Event.kind == "nlu_fallback"))
    assert event.data["question_key"] == "activite" and event.data["text"] == "zxqv"
    assert event.data["context"] == "questionnaire"


def test_a_plain_answer_needs_no_parse_and_an_unclear_one_one(db):
    """Rasa's parse is the dearest step of a questionnaire turn: asked only when the decision
    needs the intent (a message not understood, a question asked back), once."""
    asked: list[str] = []

    def counting(text: str) -> dict:
        asked.append(text)
        return nlu(text)

    person = Person(db)
    engine = Engine(db, person.contact)
    engine.start()
    person.receive(engine.ask().messages)
    for text in ("oui", "2", "je cherche du travail"):  # consent, activite, situation_actuelle
        message = person._inbound(text)
        decision = Router(db, person.contact, message, counting).decide(text, defer_intent=True)
        store_replies(db, message, render(decision.messages, "sms"))
        db.commit()
    assert asked == []
    for text in ("zxqv", "c'est quand mon rdv ?"):
        message = person._inbound(text)
        Router(db, person.contact, message, counting).decide(text, defer_intent=True)
        db.commit()
    assert asked == ["zxqv", "c'est quand mon rdv ?"]


def test_after_a_digression_the_main_menu_is_left_out_and_the_question_comes_again(person, db):
    person.start_questionnaire(["oui", "2", "1"])  # "niveau" asked
    message = person._inbound("la rqth c est pour qui au juste ?")
    router = Router(db, person.contact, message, nlu)
    help_then_menu = [
        {"text": "Je suis l'assistant de votre parcours."},
        {"text": "Que voulez-vous faire ?", "buttons": MAIN_MENU},
    ]
    replies = router.after_digression(help_then_menu)
    assert replies[0]["text"] == "Je suis l'assistant de votre parcours."
    assert "niveau d'études" in replies[-1]["text"] and len(replies) == 2
    # Only the menu (Rasa did not understand): one line says so, then the question.
    only_menu = router.after_digression([{"text": "Je n'ai pas compris.", "buttons": MAIN_MENU}])
    assert only_menu[0]["text"].startswith("Je ne sais pas répondre")
    assert "niveau d'études" in only_menu[1]["text"]
    # A menu of the digression's own stays the last thing sent: no question after it.
    rdv = [{"text": "Votre prochain RDV : lundi 14h.", "buttons": APPOINTMENT}]
    assert router.after_digression(rdv) == rdv


def _latest(db, key: str):
    return db.scalar(
        select(PrediagnosticAnswer.value)
        .where(PrediagnosticAnswer.question_key == key)
        .order_by(PrediagnosticAnswer.id.desc())
        .limit(1)
    )


def test_a_yes_that_names_an_earlier_option_asks_before_changing_it(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "3"])  # RSA/RQTH: "Aucun des deux"
    assert _latest(db, "droits") == ["aucun"]
    decision = person.say("oui jai le rsa")  # to "Pouvez-vous commencer...": a correction
    [reply] = render(decision.messages, "sms")
    assert reply.text.startswith("Vous changez une réponse d'avant pour : RSA. C'est bien ca ?")
    assert "\n1 Oui\n2 Non" in reply.text and reply.segments == 1
    assert _latest(db, "capacite") is None  # the "oui" is not taken as the answer either
    decision = person.say("oui")
    assert _latest(db, "droits") == ["rsa"]
    assert _latest(db, "capacite") is None
    assert Engine(db, person.contact).pending_question().key == "capacite"
    assert "commencer à travailler" in decision.messages[-1]["text"]


def test_a_refused_change_keeps_the_earlier_answer_and_the_question(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "3"])
    person.say("oui jai le rsa")
    person.say("non")
    assert _latest(db, "droits") == ["aucun"]
    assert _latest(db, "capacite") is None
    assert Engine(db, person.contact).pending_question().key == "capacite"
    person.say("1")
    assert _latest(db, "capacite") == ["oui"]


def test_a_topic_named_beside_a_list_that_has_others_is_not_a_change(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "2"])  # RQTH only
    person.say("oui et le rsa aussi")  # an addition in passing: the yes is the answer
    assert _latest(db, "capacite") == ["oui"]
    assert _latest(db, "droits") == ["rqth"]


def test_a_yes_that_repeats_an_earlier_answer_or_names_nothing_is_the_answer(person, db):
    person.start_questionnaire(["oui", "2", "1", "7", "1"])  # RSA
    person.say("oui jai le rsa")  # says again what was answered: nothing to change
    assert _latest(db, "capacite") == ["oui"]
    assert _latest(db, "droits") == ["rsa"]
    other = Person(db, address="+33633333333", defer_intent=person.defer_intent)
    other.start_questionnaire(["oui", "2", "1", "7", "3", "oui"])  # a bare yes: no question
    assert (
        db.scalar(
            select(func.count())
            .select_from(PrediagnosticAnswer)
            .where(PrediagnosticAnswer.question_key == "capacite")
        )
        == 2
    )
