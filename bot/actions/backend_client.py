"""Small HTTP client for the parcours backend API, used by every action."""

from __future__ import annotations

import logging
import os
from typing import Any

import requests

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10


class BackendError(Exception):
    """The backend could not be reached or refused the call."""


class BackendClient:
    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or os.environ.get("BACKEND_URL", "http://127.0.0.1:8000")).rstrip(
            "/"
        )
        self.token = token or os.environ.get("BOT_API_TOKEN", "dev-bot-token")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {self.token}"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._session.request(
                method, self._url(path), timeout=DEFAULT_TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            logger.warning("backend unreachable: %s %s: %s", method, path, exc)
            raise BackendError(str(exc)) from exc
        if response.status_code >= 400:
            logger.warning("backend refused %s %s: %s", method, path, response.status_code)
            raise BackendError(f"{response.status_code}: {response.text[:200]}")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    # Calls shared by several action modules.
    def conversation_context(self, contact_id: str) -> dict[str, Any]:
        """Who is writing: contact, channel, linked beneficiary (first name only)."""
        return self.get(f"/bot/contacts/{contact_id}")

    def record_event(self, contact_id: str, kind: str, data: dict[str, Any]) -> None:
        self.post(f"/bot/contacts/{contact_id}/events", json={"kind": kind, "data": data})


def client() -> BackendClient:
    return BackendClient()
