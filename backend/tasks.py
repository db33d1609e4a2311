"""Task handlers of the worker, one small function per kind, and their registry.

The registry lives here, not in the worker: the worker imports this module to run the
handlers, and nothing here imports the worker back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from backend.services import erasure, invitations, outbox, reminders, retention
from channels import outbound, pipeline, telegram, turns, waiting
from channels.rasa_client import RasaUnavailable
from channels.registry import get_channel

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def follow_up_key(kind: str, key: str | None) -> str | None:
    """Whose ready tasks the worker runs right after a task of this kind, in the same thread:
    a turn's replies (its notices, its apology) go out at once rather than at the next poll,
    still claimed and retried by the queue like any send (backend/worker.py)."""
    contact_id = turns.contact_of_key(key)
    if kind != pipeline.PROCESS_TASK or contact_id is None:
        return None
    return outbox.send_key(contact_id)


@handler(pipeline.PROCESS_TASK)
def process_inbound(payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    away = waiting.must_wait(message_id)
    if away is not None:  # kept for later rather than run without what it may need
        raise waiting.turn_waits(message_id, f"ServiceDown: {away}")
    try:
        pipeline.process_inbound(message_id)
    except RasaUnavailable as exc:  # retried soon; the person told once if it lasts
        raise waiting.turn_waits(message_id, f"RasaUnavailable: {exc}") from exc


@handler(f"{pipeline.PROCESS_TASK}:failed")
def inbound_failed_for_good(payload: dict[str, Any]) -> None:
    pipeline.apologise(int(payload["message_id"]))


@handler(outbox.SEND_TASK)
def send_message(payload: dict[str, Any]) -> None:
    outbound.send_message(int(payload["message_id"]))


@handler(f"{outbox.SEND_TASK}:failed")
def send_gave_up(payload: dict[str, Any]) -> None:
    outbound.gave_up(int(payload["message_id"]))


@handler(telegram.ANSWER_CALLBACK_TASK)
def answer_callback_query(payload: dict[str, Any]) -> None:
    channel = get_channel("telegram")
    if isinstance(channel, telegram.TelegramChannel):
        channel.answer_callback(str(payload["callback_query_id"]))


@handler(reminders.TASK_KIND)
def appointment_reminder(payload: dict[str, Any]) -> None:
    outcome = reminders.send_due(payload)
    logger.info("reminder %s: %s", payload, outcome)


@handler(invitations.TASK_KIND)
def invitation_step(payload: dict[str, Any]) -> None:
    outcome = invitations.send_due(payload)
    logger.info(
        "invitation %s step %s: %s", payload.get("invitation_id"), payload.get("step"), outcome
    )


@handler(erasure.TRACKER_TASK)
def erase_rasa_tracker(payload: dict[str, Any]) -> None:
    before = payload.get("before")
    removed = erasure.erase_tracker(
        str(payload["sender_id"]), float(before) if before is not None else None
    )
    logger.info("tracker of contact %s: %s events erased", payload.get("sender_id"), removed)


@handler(retention.TASK_KIND)
def retention_purge(payload: dict[str, Any]) -> None:
    retention.run(payload)
