"""Talks to the Rasa server through our gateway connector (bot/connectors/gateway.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.core.config import get_settings

_client: httpx.Client | None = None


def client() -> httpx.Client:
    """One connection pool per process (httpx clients are thread-safe): no new TCP connection
    per call to Rasa."""
    global _client
    if _client is None:
        _client = httpx.Client()
    return _client


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, or an error status)."""


@dataclass
class Turn:
    """One call to Rasa: the bot's messages, the parse of the text, the form left waiting for
    an answer; ``held``: the parse matched the hold, the dialogue did not run."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    nlu: dict[str, Any] = field(default_factory=dict)
    active_loop: str | None = None
    held: bool = False


def turn(
    sender_id: str,
    text: str,
    metadata: dict[str, Any],
    *,
    message_id: int | None = None,
    hold: dict[str, Any] | None = None,
) -> Turn:
    """A whole dialogue turn in one HTTP call (parse, dialogue, active loop). Idempotent on
    ``message_id``: a turn Rasa already ran for it is read back, not run twice."""
    settings = get_settings()
    body: dict[str, Any] = {"sender": sender_id, "message": text, "metadata": metadata}
    if message_id is not None:
        body["message_id"] = str(message_id)
    if hold:
        body["hold"] = hold
    try:
        response = client().post(
            f"{settings.rasa_url.rstrip('/')}/webhooks/gateway/turn",
            json=body,
            timeout=settings.rasa_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
    if response.status_code != 200:
        raise RasaUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    data = response.json()
    if not isinstance(data, dict):
        raise RasaUnavailable("unexpected answer from the gateway connector")
    messages = data.get("messages")
    return Turn(
        messages=messages if isinstance(messages, list) else [],
        nlu=data.get("nlu") or {},
        active_loop=data.get("active_loop") or None,
        held=bool(data.get("held")),
    )


def parse(text: str) -> dict[str, Any]:
    """NLU only (no dialogue): the intent the turn router (backend/services/conversation.py)
    weighs against the context, when it needs it before any dialogue (the questionnaire)."""
    settings = get_settings()
    try:
        response = client().post(
            f"{settings.rasa_url.rstrip('/')}/model/parse",
            json={"text": text},
            timeout=settings.rasa_timeout_seconds,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise RasaUnavailable(str(exc)) from exc
    return response.json()
