"""Flood control (channels/flood.py) through the real webhook, queue and worker, both databases.

Rasa is a local fake that answers every message with one line (this is about the gateway).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.core.db import session_scope
from backend.models import Contact, Message, Task
from channels.flood import NOTICE
from tests.fakes.server import ServerThread

from .conftest import PUBLIC, make_client, make_due, run_worker

INBOUND = "/channels/twilio/inbound"
FLOODER = "+33611000001"
OTHER = "+33611000002"
MAX_REPLIES = 3


class FakeRasa:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.turns: list[tuple[str, str]] = []  # (sender, text)
        app = Starlette(
            routes=[
                # The connector's whole turn: no intent the router holds back, no form waiting.
                Route("/webhooks/gateway/turn", self._turn, methods=["POST"]),
                Route("/model/parse", self._parse, methods=["POST"]),
            ]
        )
        self.server = ServerThread(app, "fake-rasa")

    async def _parse(self, request: Request) -> JSONResponse:
        return JSONResponse({"intent": {"name": "nlu_fallback", "confidence": 0.3}})

    async def _turn(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            self.turns.append((body["sender"], body["message"]))
        return JSONResponse(
            {"messages": [{"text": f"Bien recu : {body['message']}"}], "active_loop": None}
        )


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa()
    rasa.server.start()
    yield rasa
    rasa.server.stop()


@pytest.fixture
def gateway(channels_env, database_url, fake_rasa, monkeypatch):
    monkeypatch.setenv("RASA_URL", fake_rasa.server.url)
    monkeypatch.setenv("FLOOD_MAX_REPLIES", str(MAX_REPLIES))
    monkeypatch.setenv("FLOOD_WINDOW_SECONDS", "600")
    from backend.core.config import get_settings

    get_settings.cache_clear()
    fake_rasa.turns.clear()
    with make_client() as client:
        yield client


def send(client, twilio, number: str, text: str) -> None:
    params = twilio.inbound_params(number, text)
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + INBOUND, params)}
    assert client.post(INBOUND, data=params, headers=headers).status_code == 200


def wave(client, twilio, first: int, count: int) -> None:
    for n in range(first, first + count):
        send(client, twilio, FLOODER, f"message {n}")


def bodies(twilio, number: str) -> list[str]:
    return [m["body"] for m in twilio.sent_to(number)]


def inbound(number: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Contact, Contact.id == Message.contact_id)
                .where(Contact.address == number, Message.direction == "in")
                .order_by(Message.id)
            )
        )


def test_a_burst_of_200_gets_a_few_replies_and_others_are_answered(gateway, twilio, fake_rasa):
    # 200 messages in five waves, the worker catching up between them (as it would mid-burst).
    wave(gateway, twilio, 1, 40)
    send(gateway, twilio, OTHER, "bonjour")  # another person, in the middle of the burst
    run_worker()
    # The burst waiting when its turn came is one turn: the latest message's.
    assert bodies(twilio, FLOODER) == ["Bien recu : message 40"]
    assert bodies(twilio, OTHER) == ["Bien recu : bonjour"]
    wave(gateway, twilio, 41, 40)
    run_worker()
    wave(gateway, twilio, 81, 40)
    run_worker()
    assert len(bodies(twilio, FLOODER)) == MAX_REPLIES
    wave(gateway, twilio, 121, 40)  # over the rate: one notice, nothing else
    run_worker()
    wave(gateway, twilio, 161, 40)
    run_worker()
    send(gateway, twilio, OTHER, "et maintenant ?")  # the other person is not slowed
    run_worker()
    assert bodies(twilio, OTHER) == ["Bien recu : bonjour", "Bien recu : et maintenant ?"]
    replies = bodies(twilio, FLOODER)
    assert replies == [
        "Bien recu : message 40",
        "Bien recu : message 80",
        "Bien recu : message 120",
        NOTICE,
    ]

    # Every message is stored; none was lost, none answered twice.
    messages = inbound(FLOODER)
    assert len(messages) == 200
    statuses = {m.status for m in messages}
    assert statuses <= {"processed", "batched", "received"}
    assert sum(m.status == "processed" for m in messages) == MAX_REPLIES

    # Once the window has passed, the latest message is answered, as the notice promised.
    with session_scope() as session:
        for sent in session.scalars(select(Message).where(Message.direction == "out")):
            sent.created_at -= timedelta(seconds=601)
    make_due()
    run_worker()
    assert bodies(twilio, FLOODER)[4:] == ["Bien recu : message 200"]
    assert {m.status for m in inbound(FLOODER)} == {"processed", "batched"}
    with session_scope() as session:
        flooder = str(session.scalar(select(Contact.id).where(Contact.address == FLOODER)))
    assert len([text for sender, text in fake_rasa.turns if sender == flooder]) == MAX_REPLIES + 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(Task.status == "failed")) == 0


def test_stop_in_a_burst_is_never_batched(gateway, twilio):
    for text in ("a", "b", "STOP", "c"):
        send(gateway, twilio, FLOODER, text)
    run_worker()
    replies = bodies(twilio, FLOODER)
    assert any("vous ne recevrez plus" in r for r in replies)
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == FLOODER))
        assert contact.status == "stopped"
