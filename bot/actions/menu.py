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


FALLBACK_ACTION = "action_handle_fallback"
# bot/domain/responses_core.yml
NOT_UNDERSTOOD = "utter_not_understood"
STILL_NOT_UNDERSTOOD = "utter_still_not_understood"
CALLBACK_BUTTON = {"title": "Etre rappelé par mon conseiller", "payload": "/request_referent"}


def dispatch_menu(dispatcher: CollectingDispatcher, intro: str, **values: Any) -> None:
    """The menu's buttons under the response ``intro`` (its placeholders from ``values``)."""
    dispatcher.utter_message(response=intro, buttons=MENU_BUTTONS, **values)


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """How many user messages in a row, the latest included, the fallback answers.

    The latest message is being answered by the fallback right now; each earlier message counts
    while the bot answered it with the fallback too.
    """
    turns: list[list[str]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        elif event.get("event") == "action" and turns:
            turns[-1].append(event.get("name") or "")
    count = 1
    for actions in reversed(turns[:-1]):
        if FALLBACK_ACTION not in actions:
            break
        count += 1
    return count


def fallback_buttons(attempt: int) -> tuple[str, list[dict[str, str]]]:
    """First miss: the menu. From the second miss in a row: offer the referent's call first."""
    if attempt < 2:
        return NOT_UNDERSTOOD, MENU_BUTTONS
    others = [b for b in MENU_BUTTONS if b["payload"] != CALLBACK_BUTTON["payload"]]
    return STILL_NOT_UNDERSTOOD, [CALLBACK_BUTTON, *others]


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
        if first_name:
            dispatch_menu(dispatcher, "utter_menu_named", first_name=first_name)
        else:
            dispatch_menu(dispatcher, "utter_menu")
        return []


class ActionHandleFallback(Action):
    """Says honestly that the message was not understood, records it, offers the menu.

    Two stages: the first miss shows the menu; from the second miss in a row, the referent's
    call back comes first (button /request_referent).
    """

    def name(self) -> str:
        return "action_handle_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message
        ranking = message.get("intent_ranking") or []
        best_guess = next((i for i in ranking if i.get("name") != "nlu_fallback"), {})
        with contextlib.suppress(BackendError):  # the reply matters more than the record
            client().record_event(
                contact_id(tracker),
                "nlu_fallback",
                {
                    "text": message.get("text"),
                    "best_guess": best_guess.get("name"),
                    "confidence": best_guess.get("confidence"),
                },
            )
        response, buttons = fallback_buttons(consecutive_fallbacks(tracker.events))
        dispatcher.utter_message(response=response, buttons=buttons)
        return []
