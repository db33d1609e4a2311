"""Situation updates: what changed (job, move, training, health, new number, family), a few
typed follow-up questions per kind, stored as a declaration pending referent validation."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .appointments import CANCELLED, TECHNICAL_PROBLEM, known_person
from .backend_client import BackendError, client
from .context import contact_id, source_message_id
from .parsing import (
    SITUATION_VALUES,
    contract_type,
    is_cancel,
    is_skip,
    is_unknown,
    parse_date,
    parse_french_phone,
    parse_postal_code,
    pretty_phone,
    situation_kind,
)

FOLLOW_UPS: dict[str, list[str]] = {
    "emploi": ["job_contract", "job_start_date"],
    "demenagement": ["move_postal_code", "move_town"],
    "formation": ["training_name", "training_start", "training_end"],
    "sante": ["health_until"],
    "numero": ["new_number"],
    "famille": ["family_note"],
}
ALL_SLOTS = ["situation_change"] + [s for slots in FOLLOW_UPS.values() for s in slots]
UNKNOWN = "unknown"  # "je sais pas" to an optional date

# Said before "Je transmets à ..." (bot/domain/responses_requests.yml).
THANKS = {
    "emploi": "utter_situation_thanks_job",
    "demenagement": "utter_situation_thanks_move",
    "formation": "utter_situation_thanks_training",
    "sante": "utter_situation_thanks_health",
    "famille": "utter_situation_thanks_family",
}


def clear_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionStartSituationUpdate(Action):
    def name(self) -> str:
        return "action_start_situation_update"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not known_person(dispatcher, tracker):
            return []
        entity = next(
            (
                e.get("value")
                for e in tracker.latest_message.get("entities") or []
                if e.get("entity") == "situation_change"
            ),
            None,
        )
        kind = situation_kind(str(entity)) if entity else None
        kind = kind or situation_kind(tracker.latest_message.get("text"))
        return [*clear_slots(), SlotSet("situation_change", kind), FollowupAction("situation_form")]


class ValidateSituationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_situation_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if any(tracker.get_slot(s) == CANCELLED for s in ALL_SLOTS):
            return []
        kind = tracker.get_slot("situation_change")
        return ["situation_change", *FOLLOW_UPS.get(kind or "", [])]

    def validate_situation_change(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"situation_change": None}
        if is_cancel(value):
            return {"situation_change": CANCELLED}
        kind = situation_kind(str(value or ""))
        if kind not in SITUATION_VALUES:
            dispatcher.utter_message(response="utter_situation_change_not_understood")
            return {"situation_change": None}
        return {"situation_change": kind}

    def validate_job_contract(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"job_contract": None}
        if is_cancel(value):
            return {"job_contract": CANCELLED}
        if is_unknown(value) or is_skip(value):
            return {"job_contract": UNKNOWN}  # the referent will ask
        contract = contract_type(str(value or ""))
        if contract is None:
            dispatcher.utter_message(response="utter_job_contract_not_understood")
        return {"job_contract": contract}

    def _date(self, slot: str, value: Any, dispatcher, optional: bool) -> dict:
        if is_cancel(value):
            return {slot: CANCELLED}
        if optional and is_unknown(value):
            return {slot: UNKNOWN}
        day = parse_date(str(value or ""), date.today())
        if day is None:
            dispatcher.utter_message(response="utter_date_not_understood")
            return {slot: None}
        return {slot: day.isoformat()}

    def validate_job_start_date(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"job_start_date": None}
        return self._date("job_start_date", value, dispatcher, optional=True)

    def validate_training_start(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"training_start": None}
        return self._date("training_start", value, dispatcher, optional=True)

    def validate_training_end(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"training_end": None}
        result = self._date("training_end", value, dispatcher, optional=True)
        start, end = tracker.get_slot("training_start"), result["training_end"]
        if end not in (None, UNKNOWN, CANCELLED) and start not in (None, UNKNOWN) and end < start:
            dispatcher.utter_message(response="utter_training_end_before_start")
            return {"training_end": None}
        return result

    def validate_health_until(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"health_until": None}
        return self._date("health_until", value, dispatcher, optional=True)

    def validate_move_postal_code(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"move_postal_code": None}
        if is_cancel(value):
            return {"move_postal_code": CANCELLED}
        code = parse_postal_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_postal_code_not_understood")
        return {"move_postal_code": code}

    def _text(self, slot: str, value: Any, dispatcher, limit: int) -> dict:
        if is_cancel(value):
            return {slot: CANCELLED}
        text = " ".join(str(value or "").split())
        if len(text) < 2:
            dispatcher.utter_message(response="utter_please_specify")
            return {slot: None}
        return {slot: text[:limit]}

    def validate_move_town(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"move_town": None}
        return self._text("move_town", value, dispatcher, 100)

    def validate_training_name(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"training_name": None}
        return self._text("training_name", value, dispatcher, 200)

    def validate_family_note(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"family_note": None}
        return self._text("family_note", value, dispatcher, 1000)

    def validate_new_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value is None:  # a reset by our own actions, not an answer
            return {"new_number": None}
        if is_cancel(value):
            return {"new_number": CANCELLED}
        number = parse_french_phone(str(value or ""))
        if number is None:
            dispatcher.utter_message(response="utter_new_number_not_understood")
        return {"new_number": number}


def situation_data(tracker: Tracker, kind: str) -> dict[str, Any]:
    def get(slot: str) -> Any:
        value = tracker.get_slot(slot)
        return None if value == UNKNOWN else value

    if kind == "emploi":
        return {"contract_type": get("job_contract"), "start_date": get("job_start_date")}
    if kind == "demenagement":
        return {"postal_code": get("move_postal_code"), "town": get("move_town")}
    if kind == "formation":
        return {
            "name": get("training_name"),
            "start_date": get("training_start"),
            "end_date": get("training_end"),
        }
    if kind == "sante":
        return {"until": get("health_until")}
    if kind == "numero":
        return {"new_number": get("new_number")}
    return {"note": get("family_note")}


class ActionSubmitSituationUpdate(Action):
    def name(self) -> str:
        return "action_submit_situation_update"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kind = tracker.get_slot("situation_change")
        if kind not in SITUATION_VALUES or any(tracker.get_slot(s) == CANCELLED for s in ALL_SLOTS):
            dispatcher.utter_message(response="utter_situation_cancelled")
            return clear_slots()
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/situation-updates",
                json={
                    "kind": kind,
                    "data": situation_data(tracker, kind),
                    "message_id": source_message_id(tracker),
                },
            )
        except BackendError as exc:
            if kind == "numero" and str(exc).startswith("422"):
                dispatcher.utter_message(response="utter_new_number_invalid")
            else:
                dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return clear_slots()
        who = result.get("referent")
        if kind == "numero":
            number = pretty_phone(result["data"]["new_number"])
            dispatcher.utter_message(response="utter_new_number_sent", number=number)
            if who:
                dispatcher.utter_message(response="utter_new_number_reply", who=who)
            else:
                dispatcher.utter_message(response="utter_new_number_reply_no_referent")
            return clear_slots()
        dispatcher.utter_message(response=THANKS.get(kind, "utter_situation_thanks_other"))
        if who:
            dispatcher.utter_message(response="utter_situation_forwarded", who=who)
        else:
            dispatcher.utter_message(response="utter_situation_forwarded_no_referent")
        return clear_slots()


class ActionConfirmNewNumber(Action):
    """Written from the new number: it confirms the change declared from the old one."""

    def name(self) -> str:
        return "action_confirm_new_number"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            result = client().post(f"/bot/contacts/{contact_id(tracker)}/new-number/confirm")
        except BackendError as exc:
            if str(exc).startswith("404"):
                dispatcher.utter_message(response="utter_no_pending_number")
            else:
                dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        name = result.get("first_name")
        if name:
            dispatcher.utter_message(response="utter_new_number_saved_named", first_name=name)
        else:
            dispatcher.utter_message(response="utter_new_number_saved")
        return []
