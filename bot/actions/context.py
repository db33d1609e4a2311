"""Helpers that read the gateway metadata carried by the latest user message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def gateway_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def contact_id(tracker: Tracker) -> str:
    """The conversation id is the gateway's contact id (see channels/pipeline.py)."""
    return str(gateway_metadata(tracker).get("contact_id") or tracker.sender_id)


def source_message_id(tracker: Tracker) -> int | None:
    value = gateway_metadata(tracker).get("message_id")
    return int(value) if value is not None else None
