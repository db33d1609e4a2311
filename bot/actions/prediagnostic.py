"""Starting the pre-diagnostic. The questionnaire itself belongs to the backend: while one is in
progress, the gateway's turn router (backend/services/conversation.py) hands each message to
the questionnaire engine first, and Rasa only sees what is not an answer.

This action creates (or finds) the pre-diagnostic, then asks the gateway to show the current
question: the engine renders it, so its options and menu are the engine's own.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .backend_client import BackendError, client
from .context import contact_id, source_message_id

TECHNICAL_PROBLEM = "utter_prediag_technical_problem"  # bot/domain/responses_prediagnostic.yml
# What the gateway replaces with the engine's current question.
SHOW_QUESTION = {"show": "prediag_question"}


class ActionPrediagStart(Action):
    """Starts (or resumes) the pre-diagnostic; says so when it was already sent."""

    def name(self) -> str:
        return "action_prediag_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            started = client().post(
                f"/bot/contacts/{contact_id(tracker)}/prediagnostic/start",
                json={"message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        if started["status"] != "in_progress":
            dispatcher.utter_message(text=started.get("text") or "")
            return []
        dispatcher.utter_message(json_message=SHOW_QUESTION)
        return []
