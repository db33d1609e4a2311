"""The person asks to erase their data: confirmed once (the form's question says what goes and
what the structure keeps), then erased by the backend (backend/services/erasure.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend_client import BackendError, client
from .context import contact_id, source_message_id

# bot/domain/responses_data_rights.yml
TECHNICAL_PROBLEM = "utter_deletion_technical_problem"
DONE = "utter_deletion_done"
KEPT = "utter_deletion_done_kept"


class ActionSubmitDataDeletion(Action):
    def name(self) -> str:
        return "action_submit_data_deletion"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet("delete_confirmed", None)]
        if not tracker.get_slot("delete_confirmed"):
            dispatcher.utter_message(response="utter_deletion_refused")
            return reset
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/data-deletion",
                json={"message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return reset
        dispatcher.utter_message(response=KEPT if result.get("kept_prediagnostic") else DONE)
        return reset
