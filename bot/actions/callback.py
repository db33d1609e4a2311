""" "Je veux parler à ma conseillère": a callback request with an optional preferred time."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .appointments import CANCELLED, TECHNICAL_PROBLEM, UNKNOWN_NUMBER_NOTED
from .backend_client import BackendError, client
from .context import contact_id, source_message_id
from .parsing import is_cancel, is_skip


class ActionStartCallback(Action):
    def name(self) -> str:
        return "action_start_callback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # An unknown number may ask too: the backend keeps it for the team to identify.
        return [SlotSet("callback_preferred_time", None), FollowupAction("callback_form")]


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_preferred_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset by our own actions, not an answer
            return {"callback_preferred_time": None}
        text = " ".join(str(value or "").split())
        if is_cancel(text):
            return {"callback_preferred_time": CANCELLED}
        return {"callback_preferred_time": "-" if is_skip(text) or not text else text[:200]}


class ActionSubmitCallback(Action):
    def name(self) -> str:
        return "action_submit_callback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        preferred = tracker.get_slot("callback_preferred_time")
        reset = [SlotSet("callback_preferred_time", None)]
        if preferred == CANCELLED:
            dispatcher.utter_message(response="utter_callback_cancelled")
            return reset
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/callback-requests",
                json={
                    "preferred_time": None if preferred in (None, "-") else preferred,
                    "message_id": source_message_id(tracker),
                },
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return reset
        if result.get("identified") is False:
            dispatcher.utter_message(response=UNKNOWN_NUMBER_NOTED)
            return reset
        who, expected_by = result.get("referent"), result["expected_by"]
        dispatcher.utter_message(response="utter_callback_sent")
        if who:
            dispatcher.utter_message(
                response="utter_callback_when", who=who, expected_by=expected_by
            )
        else:
            dispatcher.utter_message(
                response="utter_callback_when_no_referent", expected_by=expected_by
            )
        return reset
