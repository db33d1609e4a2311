"""Talks to the Rasa server through our gateway connector (bot/connectors/gateway.py)."""

from __future__ import annotations

from typing import Any

import httpx

from backend.core.config import get_settings


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, or an error status)."""


def send_to_rasa(sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    settings = get_settings()
    url = f"{settings.rasa_url.rstrip('/')}/webhooks/gateway/webhook"
    try:
        response = httpx.post(
            url,
            json={"sender": sender_id, "message": text, "metadata": metadata},
            timeout=settings.rasa_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
    if response.status_code != 200:
        raise RasaUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    return body if isinstance(body, list) else []


def parse(text: str) -> dict[str, Any]:
    """NLU only (no dialogue): the intent the turn router (backend/services/conversation.py)
    weighs against the context."""
    settings = get_settings()
    try:
        response = httpx.post(
            f"{settings.rasa_url.rstrip('/')}/model/parse",
            json={"text": text},
            timeout=settings.rasa_timeout_seconds,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise RasaUnavailable(str(exc)) from exc
    return response.json()


def active_loop(sender_id: str) -> str | None:
    """The form Rasa is in for this conversation (waiting for an answer), if any."""
    settings = get_settings()
    try:
        response = httpx.get(
            f"{settings.rasa_url.rstrip('/')}/conversations/{sender_id}/tracker",
            params={"include_events": "NONE"},
            timeout=settings.rasa_timeout_seconds,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
    loop = response.json().get("active_loop") or {}
    return loop.get("name") or None
