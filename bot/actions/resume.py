"""Back to the pre-diagnostic after a digression that had its own multi-turn flow.

A short digression ("c quand mon rdv") is handled by a rule that brings the form straight back.
A longer one (saying one cannot come, a situation update, a callback) opens its own form, which
replaces the pre-diagnostic as the active loop; its closing action is decorated here so the
questionnaire picks up where the person left it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction

from .backend_client import BackendError, client
from .prediagnostic import FORM, prediag_path

Run = Callable[..., list[EventType]]


def resume_events(tracker: Tracker) -> list[EventType]:
    try:
        in_progress = client().get(prediag_path(tracker)).get("in_progress")
    except BackendError:
        return []
    return [FollowupAction(FORM)] if in_progress else []


def then_resume_prediagnostic(run: Run) -> Run:
    @functools.wraps(run)
    def wrapper(self: Any, dispatcher: Any, tracker: Tracker, domain: Any) -> list[EventType]:
        events = run(self, dispatcher, tracker, domain)
        if any(isinstance(e, dict) and e.get("event") == "followup" for e in events):
            return events  # the flow goes on elsewhere first
        return [*events, *resume_events(tracker)]

    return wrapper
