"""The input channel our channels gateway talks to (channels/rasa_client.py).

``/webhooks/gateway/webhook`` is Rasa's REST channel plus per-message metadata (Rasa's RestInput
drops the request's ``metadata``; the actions need it: contact id, channel, gateway message id).

``/webhooks/gateway/turn`` is a whole turn in one call, answering
``{"messages": [...], "nlu": {...}, "active_loop": name or null, "held": bool, "replayed": bool}``:

- the message is parsed once; when ``hold`` (``{"intents": [...], "threshold": x}``) matches the
  parse, the dialogue is not run (``held``): the turn router (backend/services/conversation.py)
  weighs that intent first. Otherwise the dialogue runs on that same parse;
- ``active_loop``: the form left waiting for an answer after the turn;
- idempotent on ``message_id`` (the gateway's inbound message id): a turn the tracker already
  holds (Rasa answered but the reply was lost, a worker died after the call) is not run again,
  its bot messages are read back from the tracker (``replayed``).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import speedups

# Loaded by every Rasa server of ours (bot/credentials.yml): the place to install them.
speedups.install()

logger = logging.getLogger(__name__)


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str) or not sender:
                return response.json({"error": "sender and message are required"}, status=400)
            message_id = body.get("message_id")
            hold = body.get("hold") if isinstance(body.get("hold"), dict) else None
            try:
                result = await run_turn(
                    request.app.ctx.agent,
                    sender,
                    text,
                    self.get_metadata(request),
                    str(message_id) if message_id is not None else None,
                    hold,
                )
            except Exception:  # the gateway retries the turn (idempotent on message_id)
                logger.exception("gateway turn failed for sender %s", sender)
                return response.json({"error": "turn failed"}, status=500)
            return response.json(result)

        return blueprint


async def run_turn(
    agent: Any,
    sender: str,
    text: str,
    metadata: dict[str, Any] | None,
    message_id: str | None,
    hold: dict[str, Any] | None,
) -> dict[str, Any]:
    """What ``agent.handle_message`` does (rasa 3.6.21's MessageProcessor.handle_message), with
    the tracker in hand: to look for the message first, to stop after the parse when held, and
    to read the active loop after the turn without fetching the tracker again."""
    processor = agent.processor
    collector = CollectingOutputChannel()
    async with agent.lock_store.lock(sender):
        tracker = await processor.fetch_tracker_and_update_session(sender, collector, metadata)
        if message_id is not None:
            earlier = replay(tracker, message_id, sender)
            if earlier is not None:
                return earlier
        message = UserMessage(
            text,
            collector,
            sender,
            input_channel=GatewayInput.name(),
            metadata=metadata,
            message_id=message_id,
        )
        nlu = await processor.parse_message(message, tracker)
        if is_held(nlu, hold):
            # Nothing saved: the fetched tracker (maybe a new session) is dropped.
            return {"messages": [], "nlu": nlu, "active_loop": None, "held": True}
        message.parse_data = nlu  # parsed once: the turn does not run the NLU again
        await processor._handle_message_with_tracker(message, tracker)
        tracker = await processor.run_action_extract_slots(collector, tracker)
        await processor._run_prediction_loop(collector, tracker)
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)
        return {
            "messages": collector.messages,
            "nlu": nlu,
            "active_loop": tracker.active_loop_name,
            "held": False,
        }


def is_held(nlu: dict[str, Any], hold: dict[str, Any] | None) -> bool:
    if not hold:
        return False
    intent = nlu.get("intent") or {}
    return intent.get("name") in set(hold.get("intents") or []) and float(
        intent.get("confidence") or 0
    ) >= float(hold.get("threshold") or 0)


def replay(tracker: Any, message_id: str, sender: str) -> dict[str, Any] | None:
    """The turn this message already had, read back from the tracker, or None."""
    events = list(tracker.events)
    start = next(
        (
            index
            for index in range(len(events) - 1, -1, -1)
            if isinstance(events[index], UserUttered) and events[index].message_id == message_id
        ),
        None,
    )
    if start is None:
        return None
    messages = []
    for event in events[start + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            item: dict[str, Any] = {"recipient_id": sender}
            if event.text:
                item["text"] = event.text
            item.update({key: value for key, value in (event.data or {}).items() if value})
            messages.append(item)
    return {
        "messages": messages,
        "nlu": events[start].parse_data,
        "active_loop": tracker.active_loop_name,
        "held": False,
        "replayed": True,
    }
