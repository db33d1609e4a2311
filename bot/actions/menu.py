"""Greeting, main menu and fallback."""

from __future__ import annotations

import contextlib
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .backend_client import BackendError, client
from .context import contact_id

MENU_BUTTONS = [
    {"title": "Faire mon pré-diagnostic", "payload": "/start_prediagnostic"},
    {"title": "Voir mon prochain RDV", "payload": "/ask_next_appointment"},
    {"title": "Changer ma situation", "payload": "/update_situation"},
    {"title": "Parler à mon conseiller", "payload": "/request_referent"},
]


def dispatch_menu(dispatcher: CollectingDispatcher, intro: str) -> None:
    dispatcher.utter_message(text=intro, buttons=MENU_BUTTONS)


class ActionShowMenu(Action):
    """Greets the person by first name when the backend knows them, then shows the menu."""

    def name(self) -> str:
        return "action_show_menu"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        first_name = None
        try:
            context = client().conversation_context(contact_id(tracker))
            first_name = (context.get("beneficiary") or {}).get("first_name")
        except BackendError:
            pass  # the menu still works without a name
        hello = f"Bonjour {first_name} !" if first_name else "Bonjour !"
        dispatch_menu(dispatcher, f"{hello} Que voulez-vous faire ?")
        return []


class ActionHandleFallback(Action):
    """Says honestly that the message was not understood, records it, offers the menu."""

    def name(self) -> str:
        return "action_handle_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message
        ranking = message.get("intent_ranking") or []
        best_guess = next((i for i in ranking if i.get("name") != "nlu_fallback"), {})
        with contextlib.suppress(BackendError):
            client().record_event(
                contact_id(tracker),
                "nlu_fallback",
                {
                    "text": message.get("text"),
                    "best_guess": best_guess.get("name"),
                    "confidence": best_guess.get("confidence"),
                },
            )
        dispatch_menu(dispatcher, "Je n'ai pas compris. Je peux vous aider pour :")
        return []
