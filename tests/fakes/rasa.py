"""A stand-in for the Rasa server's gateway webhook: it answers every message with one text.

Enough for tests about the edge (the simulator, the pipeline) that must not depend on a
trained model; the dialogue itself is tested end to end in tests/e2e.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request

from .server import ServerThread

REPLY = "Bien reçu."


class FakeRasa:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        app = FastAPI()
        app.post("/webhooks/gateway/webhook")(self._webhook)
        # The gateway connector's whole turn (bot/connectors/gateway.py): the dialogue, no
        # intent the router would hold back, never a form waiting for an answer.
        app.post("/webhooks/gateway/turn")(self._turn)
        # What the router asks before a questionnaire answer: an intent (none here).
        app.post("/model/parse")(self._parse)
        self.server = ServerThread(app, name="fake-rasa")

    def start(self) -> FakeRasa:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    async def _webhook(self, request: Request) -> list[dict[str, Any]]:
        body = await request.json()
        with self.lock:
            self.received.append(body)
        return [{"recipient_id": body.get("sender"), "text": REPLY}]

    async def _parse(self, request: Request) -> dict[str, Any]:
        body = await request.json()
        return {
            "text": body.get("text"),
            "intent": {"name": None, "confidence": 0.0},
            "entities": [],
        }

    async def _turn(self, request: Request) -> dict[str, Any]:
        messages = await self._webhook(request)
        return {"messages": messages, "nlu": {}, "active_loop": None, "held": False}
