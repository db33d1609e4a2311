"""Several worker processes on one queue, both databases: each message processed once, one
contact's turns never overlap and run in the order the messages arrived, every reply sent
once. Real webhooks (in this process), two `python -m backend.worker` processes, Rasa a local
fake that notices a contact's turns overlapping."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.core.db import session_scope
from backend.models import Contact, Message
from tests.fakes.server import ServerThread
from tests.support.worker import start_worker

from .conftest import PUBLIC

PEOPLE = [f"+336110006{n:02d}" for n in range(6)]
BURST = 5


class SlowRasa:
    """Each turn takes 50 ms; two turns of one sender at once is recorded as an overlap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.turns: list[tuple[str, str]] = []
        self.busy: set[str] = set()
        self.overlaps: list[str] = []
        self.server = ServerThread(
            Starlette(
                routes=[
                    Route("/webhooks/gateway/turn", self._turn, methods=["POST"]),
                    Route("/model/parse", self._parse, methods=["POST"]),
                ]
            ),
            "slow-rasa",
        )

    async def _turn(self, request: Request) -> JSONResponse:
        body = await request.json()
        sender = body["sender"]
        with self.lock:
            if sender in self.busy:
                self.overlaps.append(sender)
            self.busy.add(sender)
            self.turns.append((sender, body["message"]))
        await asyncio.sleep(0.05)
        with self.lock:
            self.busy.discard(sender)
        return JSONResponse({"messages": [{"text": f"Recu {body['message']}"}]})

    async def _parse(self, request: Request) -> JSONResponse:
        text = (await request.json()).get("text", "")
        return JSONResponse({"text": text, "intent": {"name": "nlu_fallback", "confidence": 0}})


@pytest.fixture
def rasa() -> Iterator[SlowRasa]:
    fake = SlowRasa()
    fake.server.start()
    yield fake
    fake.server.stop()


def test_two_worker_processes_process_each_message_once_and_in_order(
    app_any_db, database_url, twilio, rasa, monkeypatch
):
    monkeypatch.setenv("RASA_URL", rasa.server.url)
    workers = [start_worker({"WORKER_POLL_SECONDS": "0.05"}) for _ in range(2)]
    try:
        url = "/channels/twilio/inbound"
        for n in range(BURST):  # each person writes BURST times, interleaved with the others
            for number in PEOPLE:
                params = twilio.inbound_params(number, f"m{n}")
                headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + url, params)}
                assert app_any_db.post(url, data=params, headers=headers).status_code == 200
            time.sleep(0.05)
        deadline = time.monotonic() + 60
        while not all(_done(number) for number in PEOPLE):
            assert time.monotonic() < deadline, "not all processed"
            time.sleep(0.2)
        time.sleep(0.5)  # a duplicate would show now
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    assert rasa.overlaps == []
    for number in PEOPLE:
        with session_scope() as session:
            contact = session.scalar(select(Contact).where(Contact.address == number))
            messages = session.scalars(
                select(Message).where(Message.contact_id == contact.id).order_by(Message.id)
            ).all()
        inbound = [m for m in messages if m.direction == "in"]
        assert [m.text for m in inbound] == [f"m{n}" for n in range(BURST)]
        # Processed or, when newer ones already waited, batched (flood control); the last
        # one always gets its turn.
        assert inbound[-1].status == "processed"
        assert {m.status for m in inbound} <= {"processed", "batched"}
        turns = [t for s, t in rasa.turns if s == str(contact.id)]
        processed = [m.text for m in inbound if m.status == "processed"]
        assert turns == processed  # once each, in arrival order
        replies = [m for m in messages if m.direction == "out"]
        assert [r.in_reply_to_id for r in replies] == [
            m.id for m in inbound if m.status == "processed"
        ]
        assert [m["body"] for m in twilio.sent_to(number)] == [f"Recu {t}" for t in turns]


def _done(number: str) -> bool:
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == number))
        if contact is None:
            return False
        statuses = session.scalars(
            select(Message.status).where(Message.contact_id == contact.id)
        ).all()
        return len(statuses) > BURST and not {"received", "queued", "sending"} & set(statuses)
