"""Next appointment, confirmation, "I cannot come", and the date-of-birth check that guards them.

Appointment details only reach a contact whose link to the beneficiary is verified; the backend
enforces it and answers with an ``access`` state (granted / verify / locked / unknown).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend_client import BackendError, client
from .context import contact_id, source_message_id
from .parsing import is_cancel, is_skip, parse_date

logger = logging.getLogger(__name__)

CONFIRM_BUTTON = {"title": "Je confirme", "payload": "/confirm_attendance"}
CANNOT_BUTTON = {"title": "Je ne peux pas venir", "payload": "/cannot_attend"}
CANCELLED = "__cancel__"
# What the actions say: `utter_...` responses of bot/domain/responses_*.yml.
TECHNICAL_PROBLEM = "utter_technical_problem"
UNKNOWN_NUMBER = "utter_unknown_number"
# An unknown number's callback or absence is kept for the team, who will identify it.
UNKNOWN_NUMBER_NOTED = "utter_unknown_number_noted"
LOCKED = "utter_identity_locked"
RESUMABLE = {
    "action_tell_next_appointment",
    "action_confirm_attendance",
    "action_start_cannot_attend",
}


def next_appointment(tracker: Tracker) -> dict[str, Any]:
    return client().get(f"/bot/contacts/{contact_id(tracker)}/appointments/next")


def guard(access: str, dispatcher: CollectingDispatcher, resume: str) -> list[EventType] | None:
    """None when access is granted; otherwise what to say and do instead."""
    if access == "granted":
        return None
    if access == "verify":
        return [SlotSet("pending_request", resume), FollowupAction("birth_date_form")]
    dispatcher.utter_message(response=LOCKED if access == "locked" else UNKNOWN_NUMBER)
    return []


def visible_appointment(
    dispatcher: CollectingDispatcher, tracker: Tracker, resume: str
) -> tuple[dict[str, Any] | None, list[EventType] | None]:
    """(the backend's answer, None) when the person may see their appointments; otherwise
    (None, the events to return), having said why (technical problem, unknown number...)."""
    try:
        answer = next_appointment(tracker)
    except BackendError:
        dispatcher.utter_message(response=TECHNICAL_PROBLEM)
        return None, []
    blocked = guard(answer["access"], dispatcher, resume)
    if blocked is not None:
        return None, blocked
    return answer, None


def known_person(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """True when this contact is linked to a person; otherwise says so (or the problem)."""
    try:
        context = client().conversation_context(contact_id(tracker))
    except BackendError:
        dispatcher.utter_message(response=TECHNICAL_PROBLEM)
        return False
    if context.get("beneficiary") is None:
        dispatcher.utter_message(response=UNKNOWN_NUMBER)
        return False
    return True


class ActionTellNextAppointment(Action):
    def name(self) -> str:
        return "action_tell_next_appointment"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answer, stop = visible_appointment(dispatcher, tracker, self.name())
        if answer is None:
            return stop or []
        appointment = answer.get("appointment")
        if appointment is None:
            dispatcher.utter_message(response="utter_no_appointment")
            dispatcher.utter_message(
                response="utter_offer_appointment_request",
                buttons=[
                    {"title": "Oui", "payload": "/request_referent"},
                    {"title": "Non merci", "payload": "/thanks"},
                ],
            )
            return []
        if appointment.get("confirmed"):
            dispatcher.utter_message(
                response="utter_next_appointment_confirmed", appointment=appointment["text"]
            )
            return []
        dispatcher.utter_message(
            response="utter_next_appointment",
            appointment=appointment["text"],
            buttons=[CONFIRM_BUTTON, CANNOT_BUTTON],
        )
        return []


class ActionConfirmAttendance(Action):
    def name(self) -> str:
        return "action_confirm_attendance"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answer, stop = visible_appointment(dispatcher, tracker, self.name())
        if answer is None:
            return stop or []
        if answer.get("appointment") is None:
            dispatcher.utter_message(response="utter_no_appointment_to_confirm")
            return []
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/appointments/confirm",
                json={"message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        dispatcher.utter_message(
            response="utter_attendance_confirmed", when=result["appointment"]["when"]
        )
        return []


class ActionStartCannotAttend(Action):
    def name(self) -> str:
        return "action_start_cannot_attend"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            answer = next_appointment(tracker)
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return []
        if answer["access"] == "unknown":  # kept for the team rather than refused
            return [SlotSet("absence_reason", None), FollowupAction("cannot_attend_form")]
        blocked = guard(answer["access"], dispatcher, self.name())
        if blocked is not None:
            return blocked
        appointment = answer.get("appointment")
        if appointment is None:
            dispatcher.utter_message(response="utter_no_appointment_to_cancel")
            return []
        dispatcher.utter_message(response="utter_cannot_attend_start", when=appointment["when"])
        return [SlotSet("absence_reason", None), FollowupAction("cannot_attend_form")]


class ValidateCannotAttendForm(FormValidationAction):
    def name(self) -> str:
        return "validate_cannot_attend_form"

    def validate_absence_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset by our own actions, not an answer
            return {"absence_reason": None}
        text = str(value or "").strip()
        if is_cancel(text):
            return {"absence_reason": CANCELLED}
        # The reason is optional: "passer" (or the button) records no reason.
        return {"absence_reason": "-" if is_skip(text) or not text else text[:1000]}


class ActionSubmitCannotAttend(Action):
    def name(self) -> str:
        return "action_submit_cannot_attend"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason = tracker.get_slot("absence_reason")
        reset = [SlotSet("absence_reason", None)]
        if reason == CANCELLED:
            dispatcher.utter_message(response="utter_cannot_attend_cancelled")
            return reset
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/appointments/cannot-attend",
                json={
                    "reason": None if reason in (None, "-") else reason,
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
        if who:
            dispatcher.utter_message(response="utter_cannot_attend_noted", who=who)
            dispatcher.utter_message(
                response="utter_cannot_attend_callback",
                who=who[0].upper() + who[1:],
                expected_by=expected_by,
            )
        else:
            dispatcher.utter_message(response="utter_cannot_attend_noted_no_referent")
            dispatcher.utter_message(
                response="utter_cannot_attend_callback_no_referent", expected_by=expected_by
            )
        return reset


class ValidateBirthDateForm(FormValidationAction):
    def name(self) -> str:
        return "validate_birth_date_form"

    def validate_birth_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset by our own actions, not an answer
            return {"birth_date": None}
        if is_cancel(value):
            return {"birth_date": CANCELLED}
        born = parse_date(str(value or ""), date.today(), past=True)
        if born is None or born.year < 1900 or born >= date.today():
            dispatcher.utter_message(response="utter_birth_date_not_understood")
            return {"birth_date": None}
        try:
            result = client().post(
                f"/bot/contacts/{contact_id(tracker)}/birth-date",
                json={"birth_date": born.isoformat(), "message_id": source_message_id(tracker)},
            )
        except BackendError:
            dispatcher.utter_message(response=TECHNICAL_PROBLEM)
            return {"birth_date": CANCELLED}
        if result.get("verified"):
            return {"birth_date": "verified"}
        if result.get("locked"):
            return {"birth_date": "locked"}
        dispatcher.utter_message(response="utter_birth_date_mismatch")
        return {"birth_date": None}


class ActionResumeAfterVerification(Action):
    """Runs the request that needed the check (next appointment, confirmation...)."""

    def name(self) -> str:
        return "action_resume_after_verification"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        outcome = tracker.get_slot("birth_date")
        resume = tracker.get_slot("pending_request")
        events: list[EventType] = [SlotSet("birth_date", None), SlotSet("pending_request", None)]
        if outcome == "verified":
            dispatcher.utter_message(response="utter_identity_verified")
            if resume in RESUMABLE:
                events.append(FollowupAction(resume))
        elif outcome == "locked":
            dispatcher.utter_message(response=LOCKED)
        else:
            dispatcher.utter_message(response="utter_identity_check_left")
        return events
