"""The pre-diagnostic form. The questionnaire and its engine live in the backend: these actions
only carry the person's text there and show what comes back.

One requested slot, ``prediag_answer``, filled by a custom mapping: ``extract_prediag_answer``
posts the raw text to the engine. While questions remain the slot is emptied again, so the form
keeps asking (``action_ask_prediag_answer`` shows the current question). A plain digression
("c quand mon rdv") extracts nothing: the form is rejected, the digression's rule runs, then
the rule brings the form back. The form ends when the engine says ``done``.
"""

from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .backend_client import BackendError, client
from .context import contact_id, source_message_id

logger = logging.getLogger(__name__)

FORM = "prediagnostic_form"
SLOT = "prediag_answer"
DONE = "done"
TECHNICAL_PROBLEM = (
    "Désolé, j'ai un souci technique. Vos réponses sont gardées, réessayez plus tard."
)


def prediag_path(tracker: Tracker, action: str = "") -> str:
    suffix = f"/{action}" if action else ""
    return f"/bot/contacts/{contact_id(tracker)}/prediagnostic{suffix}"


def show(dispatcher: CollectingDispatcher, reply: dict[str, Any]) -> None:
    if reply.get("text"):
        dispatcher.utter_message(text=reply["text"], buttons=reply.get("buttons") or [])


class PrediagnosticValidationBase(FormValidationAction):
    """Shared plumbing of the form's validation: the one question is always the backend's."""

    @abc.abstractmethod
    def name(self) -> str:
        """Abstract: the action server registers only the concrete subclasses."""

    @staticmethod
    def is_fresh_user_turn(tracker: Tracker) -> bool:
        """Only a user message answers a question (not the form's activation or its return
        after a digression)."""
        return tracker.get_slot("requested_slot") == SLOT and tracker.latest_message.get("text")

    @staticmethod
    def intent_of(tracker: Tracker) -> tuple[str | None, float | None]:
        intent = tracker.latest_message.get("intent") or {}
        return intent.get("name"), intent.get("confidence")


class ValidatePrediagnosticForm(PrediagnosticValidationBase):
    def name(self) -> str:
        return "validate_prediagnostic_form"

    async def extract_prediag_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self.is_fresh_user_turn(tracker):
            return {}
        intent, confidence = self.intent_of(tracker)
        try:
            outcome = client().post(
                prediag_path(tracker, "answer"),
                json={
                    "text": tracker.latest_message.get("text") or "",
                    "intent": intent,
                    "confidence": confidence,
                    "message_id": source_message_id(tracker),
                },
            )
        except BackendError:
            return {SLOT: "error"}  # the ask action will apologise; nothing is lost
        if outcome["status"] == "not_an_answer":
            return {}  # a digression: reject, let its rule answer, then come back
        return {SLOT: outcome["status"]}

    def validate_prediag_answer(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        # Keep asking until the engine says the pre-diagnostic is over.
        return {SLOT: DONE if slot_value == DONE else None}


class ActionAskPrediagAnswer(Action):
    """Shows the current question (or a note: not understood, paused...) from the backend."""

    def name(self) -> str:
        return "action_ask_prediag_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            reply = client().post(prediag_path(tracker, "ask"))
        except BackendError:
            dispatcher.utter_message(text=TECHNICAL_PROBLEM)
            return []
        show(dispatcher, reply)
        return []


class ActionPrediagStart(Action):
    """Starts (or resumes) the pre-diagnostic; says so when it was already sent."""

    def name(self) -> str:
        return "action_prediag_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            started = client().post(
                prediag_path(tracker, "start"), json={"message_id": source_message_id(tracker)}
            )
        except BackendError:
            dispatcher.utter_message(text=TECHNICAL_PROBLEM)
            return []
        if started["status"] != "in_progress":
            dispatcher.utter_message(text=started.get("text") or "")
            return [SlotSet(SLOT, None)]
        return [SlotSet(SLOT, None), FollowupAction(FORM)]


class ActionPrediagFinished(Action):
    """After the form: the closing message (sent, or nothing recorded after a refusal)."""

    def name(self) -> str:
        return "action_prediag_finished"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            show(dispatcher, client().post(prediag_path(tracker, "ask")))
        except BackendError:
            dispatcher.utter_message(text=TECHNICAL_PROBLEM)
        return [SlotSet(SLOT, None), SlotSet("requested_slot", None)]


class ActionSessionStart(Action):
    """A new conversation (a lost tracker, another channel of the same person): if the backend
    holds a pre-diagnostic in progress, the form is active again, so any message resumes it."""

    def name(self) -> str:
        return "action_session_start"

    @staticmethod
    def carried_slots(tracker: Tracker) -> list[EventType]:
        return [
            SlotSet(key, value)
            for key, value in tracker.current_slot_values().items()
            if value is not None and key not in ("requested_slot", SLOT)
        ]

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += self.carried_slots(tracker)
        try:
            in_progress = client().get(prediag_path(tracker)).get("in_progress")
        except BackendError:
            in_progress = False  # unknown contact, or backend down: start plainly
        if in_progress:
            events += [ActiveLoop(FORM), SlotSet("requested_slot", SLOT), SlotSet(SLOT, None)]
        events.append(ActionExecuted("action_listen"))
        return events
