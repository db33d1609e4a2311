"""The one place that decides what an inbound message means in its context.

An answer to an invitation starts the pre-diagnostic. Otherwise, context is what the person
last received (the menu of the last turn, and whether a Rasa form is
waiting for its answer) and whether a pre-diagnostic is in progress. In order:

1. a reply to a confirmation we asked ("Bus, train : c'est bien ça ? 1 Oui 2 Non", "Vous ne
   pouvez pas venir ? 1 Oui 2 Non");
2. an explicit choice in the last dialogue menu (its number, or a button's exact title);
3. an answer to the Rasa form that is waiting for one (a reason, a date of birth...);
4. while a pre-diagnostic is in progress, the questionnaire engine: an answer, a keyword, or a
   digression for another flow;
5. anything with consequences (confirm or cancel attendance, a situation update, a callback,
   an opt-out) asked in free words is confirmed in one short message first, unless the last
   menu offered exactly that;
6. the rest goes to Rasa's dialogue. After a digression the pending question is asked again,
   on its own, unless the digression's answer carries a menu of its own (one menu at a time);
   Rasa's main menu is left out of it while a question is pending.

The gateway (channels/pipeline.py) runs what is decided; Rasa gives the intent (its parse) and
the dialogue for everything that is not the questionnaire.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.messages import text
from backend.models import Contact, Message, MessageDirection
from backend.services import consent, invitations
from backend.services.questionnaire.engine import Engine
from backend.services.questionnaire.reading.confirmation import yes_or_no
from backend.services.questionnaire.render import text_message

INTENT_THRESHOLD = 0.6
# Intents whose flow ends in something done for the person: never run on a guess.
CONFIRM_FIRST = {
    "confirm_attendance": text("confirm_confirm_attendance"),
    "cannot_attend": text("confirm_cannot_attend"),
    "update_situation": text("confirm_update_situation"),
    "request_referent": text("confirm_request_referent"),
    "stop": text("confirm_stop"),
    "withdraw_consent": text("confirm_withdraw_consent"),
}
YES_NO_BUTTONS = [
    {"title": text("button_yes"), "payload": "yes"},
    {"title": text("button_no"), "payload": "no"},
]
NOTHING_DONE = text("nothing_done")
GO_ON = text("go_on")
NOT_FOR_HERE = text("not_for_here")
START_PAYLOAD = "/start_prediagnostic"
_DIGITS = re.compile(r"^\s*\d[\d\s,.;et+]*$")

Nlu = dict[str, Any]


@dataclass
class Decision:
    """What to do with the message: say ``messages`` ourselves, and/or hand ``dialogue`` (a
    text or a /intent payload) to Rasa; ``resume``: ask the pending question again after it."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    dialogue: str | None = None
    resume: bool = False
    opt_out: bool = False
    reason: str = ""
    # Set when the intent was not looked at yet (``decide(defer_intent=True)``): Rasa parses
    # and runs the dialogue in one call unless the parse matches this; then ``held()`` decides.
    hold: dict[str, Any] | None = None


# Intents the router weighs before any dialogue runs (step 5): the connector stops after the
# parse when one of them comes with this confidence (bot/connectors/gateway.py).
class Hold(TypedDict):
    intents: list[str]
    threshold: float


HOLD: Hold = {"intents": sorted(CONFIRM_FIRST), "threshold": INTENT_THRESHOLD}


def is_held(nlu: Nlu) -> bool:
    """The parse the connector holds back (the same test as bot/connectors/gateway.py's)."""
    intent = nlu.get("intent") or {}
    return intent.get("name") in HOLD["intents"] and float(intent.get("confidence") or 0) >= float(
        HOLD["threshold"]
    )


def last_turn(session: Session, contact_id: int, before_id: int) -> list[Message]:
    """The messages of the last turn sent to this contact before ``before_id``."""
    last = session.scalar(
        select(Message)
        .where(
            Message.contact_id == contact_id,
            Message.direction == MessageDirection.outbound,
            Message.id < before_id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last is None:
        return []
    if last.in_reply_to_id is None:
        return [last]
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.contact_id == contact_id,
                Message.direction == MessageDirection.outbound,
                Message.in_reply_to_id == last.in_reply_to_id,
            )
            .order_by(Message.id)
        )
    )


def active_menu(turn: list[Message]) -> dict[str, Any] | None:
    for message in reversed(turn):
        menu = (message.payload or {}).get("menu")
        if menu:
            return dict(menu)
    return None


def open_flow(turn: list[Message]) -> str | None:
    """The Rasa form still waiting for an answer after the last turn, if any."""
    return next(((m.payload or {}).get("flow") for m in reversed(turn) if m.payload), None)


def choice(text: str, options: list[dict[str, str]]) -> int | None:
    """The 1-based number of the option that a lone digit or an exact title designates."""
    stripped = (text or "").strip().rstrip(".)")
    if stripped.isdigit():
        number = int(stripped)
        return number if 1 <= number <= len(options) else None
    typed = (text or "").strip().casefold()
    for index, option in enumerate(options, start=1):
        if option.get("title", "").strip().casefold() == typed:
            return index
    return None


def dialogue_payload(nlu: Nlu) -> str:
    """A /intent payload that runs exactly the flow that was confirmed, with its entities."""
    intent = (nlu.get("intent") or {}).get("name") or ""
    entities = {
        e["entity"]: e["value"]
        for e in nlu.get("entities") or []
        if e.get("entity") == "situation_change" and isinstance(e.get("value"), str)
    }
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


class Router:
    def __init__(
        self,
        session: Session,
        contact: Contact,
        message: Message,
        parse: Callable[[str], Nlu],
    ) -> None:
        self.session = session
        self.contact = contact
        self.message = message
        self._parse = parse
        self._nlu: Nlu | None = None
        self._deferred: tuple[dict[str, Any] | None, bool] = (None, False)
        self.engine = Engine(session, contact) if contact.beneficiary_id else None

    def nlu(self, text: str) -> Nlu:
        if self._nlu is None:
            self._nlu = self._parse(text)
        return self._nlu

    def intent(self, text: str) -> tuple[str | None, float]:
        intent = self.nlu(text).get("intent") or {}
        return intent.get("name"), float(intent.get("confidence") or 0)

    def in_questionnaire(self) -> bool:
        return bool(self.engine and self.engine.in_progress())

    def decide(self, text: str, *, defer_intent: bool = False) -> Decision:
        """``defer_intent``: when only step 5 still needs the intent, do not parse here; the
        decision carries ``hold`` and the gateway asks Rasa for the parse and the dialogue in
        one call, coming back to ``held()`` when the parse is one step 5 acts on."""
        # 0. The answer to an invitation ("oui", "ok", anything): the pre-diagnostic starts,
        # as a known person (the invitation went to this number).
        if invitations.on_inbound(self.session, self.contact):
            self.engine = Engine(self.session, self.contact)
            self.engine.start()
            return Decision(messages=self.engine.ask().messages, reason="invitation_answered")
        turn = last_turn(self.session, self.contact.id, self.message.id)
        menu = active_menu(turn)
        flow = open_flow(turn)
        in_q = self.in_questionnaire()
        kind = (menu or {}).get("kind")

        # 1. A confirmation we asked for.
        if kind in ("confirm_answer", "confirm_intent"):
            answer = yes_or_no(text)
            if answer is not None:
                return self._confirmed(menu or {}, answer, in_q)

        options = list((menu or {}).get("options") or [])
        number = choice(text, options) if options else None
        # 2. An explicit choice in the last dialogue menu.
        if kind == "dialogue" and number is not None:
            return Decision(dialogue=options[number - 1]["payload"], resume=in_q, reason="menu")

        # 3. A Rasa form waiting for its answer owns the message.
        if flow:
            return Decision(dialogue=text, resume=in_q, reason="flow")

        # 4. The questionnaire.
        if in_q and self.engine is not None:
            decision = self._questionnaire(text, kind, number, options)
            if decision is not None:
                return decision

        # 5. Consequences only on an explicit choice or after a confirmation.
        if defer_intent and self._nlu is None:
            self._deferred = (menu, in_q)
            return Decision(dialogue=text, resume=in_q, reason="dialogue", hold=dict(HOLD))
        intent, confidence = self.intent(text)
        return self._intent(intent, confidence, text, menu, in_q)

    def held(self, text: str, nlu: Nlu) -> Decision:
        """Step 5 with the parse Rasa held back (``is_held(nlu)``): what ``decide`` would have
        decided had it parsed the message itself."""
        menu, in_q = self._deferred
        self._nlu = nlu
        intent, confidence = self.intent(text)
        return self._intent(intent, confidence, text, menu, in_q)

    def _questionnaire(
        self, text: str, kind: str | None, number: int | None, options: list[dict[str, str]]
    ) -> Decision | None:
        assert self.engine is not None
        pending = self.engine.pending_question()
        # The person answers from the list they last received; a question without options
        # (a job, a distance) needs no list.
        list_active = kind == "question" or (pending is not None and not pending.has_options)
        if kind == "question" and number is not None:
            # A Telegram button's title, or a digit: the option's number in the whole list.
            text = str(options[number - 1].get("number", number))
        elif not list_active and _DIGITS.match(text or ""):
            # A number answers only the last menu sent, and that was not the question's list:
            # show the question again, whole.
            return Decision(messages=self.engine.ask().messages, reason="number_elsewhere")
        turn = self.engine.respond(
            text, understand=lambda: self.intent(text), message_id=self.message.id
        )
        if turn.status == "digression":
            return None
        if turn.status == "done" and turn.prediagnostic_id is not None:
            # A refusal leaves nothing but the refusal (backend/services/consent.py).
            consent.forget_refused(self.session, turn.prediagnostic_id)
        if turn.status in ("unclear", "guess") and not list_active:
            # The list they would answer with is not the last one they received: resend it.
            return Decision(messages=self.engine.ask().messages, reason="unclear_relist")
        return Decision(messages=turn.messages, reason=f"questionnaire_{turn.status}")

    def _intent(
        self,
        intent: str | None,
        confidence: float,
        text: str,
        menu: dict[str, Any] | None,
        in_q: bool,
    ) -> Decision:
        if intent in CONFIRM_FIRST and confidence >= INTENT_THRESHOLD:
            payload = dialogue_payload(self.nlu(text))
            offered = {o.get("payload") for o in (menu or {}).get("options") or []}
            if f"/{intent}" in offered and intent != "stop":
                return Decision(dialogue=payload, resume=in_q, reason="menu_intent")
            action = "opt_out" if intent == "stop" else "dialogue"
            return Decision(
                messages=[
                    {
                        "text": CONFIRM_FIRST[intent],
                        "buttons": YES_NO_BUTTONS,
                        "menu": {"kind": "confirm_intent", "action": action, "payload": payload},
                    }
                ],
                reason="confirm_intent",
            )
        return Decision(dialogue=text, resume=in_q, reason="dialogue")

    def _confirmed(self, menu: dict[str, Any], yes: bool, in_q: bool) -> Decision:
        if menu.get("kind") == "confirm_answer":
            assert self.engine is not None
            if yes:
                turn = self.engine.accept_guess(
                    menu.get("question_key") or "",
                    list(menu.get("value") or []),
                    str(menu.get("raw") or ""),
                    self.message.id,
                )
            else:
                turn = self.engine.refuse_guess()
            return Decision(messages=turn.messages, reason=f"guess_{'yes' if yes else 'no'}")
        if yes:
            if menu.get("action") == "opt_out":
                return Decision(opt_out=True, reason="opt_out_confirmed")
            return Decision(dialogue=menu.get("payload"), resume=in_q, reason="intent_confirmed")
        if in_q and self.engine is not None:
            asked = self.engine.ask().messages
            return Decision(messages=[text_message(GO_ON), *asked], reason="intent_refused")
        return Decision(messages=[text_message(NOTHING_DONE)], reason="intent_refused")

    def after_digression(self, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rasa's replies to a digression, then the pending question again, on its own.

        A reply with a menu of its own (the appointment's "1 Oui 2 Non") stays the last thing
        sent: one menu at a time. Rasa's main menu (after help, a greeting or a message it did
        not understand) is left out while a question is pending: the person's next number must
        answer the question. When nothing else was said, one line says so before the question.
        """
        if self.engine is None and self.contact.beneficiary_id:
            self.engine = Engine(self.session, self.contact)
        if self.engine is None or not self.engine.in_progress():
            return replies
        kept = [r for r in replies if not _is_main_menu(r)]
        if any(r.get("buttons") for r in kept):
            return kept
        if not kept:
            kept = [text_message(NOT_FOR_HERE)]
        return [*kept, *self.engine.ask().messages]

    def show_question(self) -> list[dict[str, Any]]:
        """Rasa's action started the pre-diagnostic: the engine shows where it stands."""
        self.session.refresh(self.contact)
        self.engine = Engine(self.session, self.contact) if self.contact.beneficiary_id else None
        if self.engine is None:
            return []
        return self.engine.ask().messages


def _is_main_menu(reply: dict[str, Any]) -> bool:
    """Rasa's main menu (bot/actions/menu.py) is the one offering to start the pre-diagnostic."""
    return any(b.get("payload") == START_PAYLOAD for b in reply.get("buttons") or [])
