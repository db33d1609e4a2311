"""Data rights besides erasure: withdrawing the questionnaire's consent ("je ne veux plus",
confirmed by the turn router before it reaches here) and asking what is known about oneself."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .backend_client import BackendError, client
from .context import contact_id, source_message_id

# bot/domain/responses_data_rights.yml (the summary of what is known: the backend's text)
TECHNICAL_PROBLEM = "utter_technical_problem"
WITHDRAWN = "utter_consent_withdrawn"
NOTHING_TO_WITHDRAW = "utter_nothing_to_withdraw"


class ActionWithdrawConsent(Action):
    def name(self) -> str:
        return "action_withdraw_consent"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/consent-withdrawal",
                json={"message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        dispatcher.utter_message(
            response=WITHDRAWN if result.get("withdrawn") else NOTHING_TO_WITHDRAW
        )
        return []


class ActionTellMyData(Action):
    def name(self) -> str:
        return "action_tell_my_data"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            result = client().get(f"/bot/contacts/{contact_id(tracker)}/my-data")
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        dispatcher.utter_message(text=str(result.get("text") or ""))
        return []
