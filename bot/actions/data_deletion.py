"""The person asks to erase their data: confirmed once, then handed to their referent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend_client import BackendError, client
from .context import contact_id, source_message_id

TECHNICAL_PROBLEM = "Désolé, j'ai un souci technique. Réessayez plus tard."


class ActionSubmitDataDeletion(Action):
    def name(self) -> str:
        return "action_submit_data_deletion"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet("delete_confirmed", None)]
        if not tracker.get_slot("delete_confirmed"):
            dispatcher.utter_message(text="D'accord, je garde tout.")
            return reset
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/data-deletion",
                json={"message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(text=TECHNICAL_PROBLEM)
            return reset
        who = result.get("referent") or "votre conseiller"
        dispatcher.utter_message(text=f"C'est noté. Je transmets votre demande à {who}.")
        dispatcher.utter_message(text="Vos données seront effacées et on vous le confirmera.")
        return reset
