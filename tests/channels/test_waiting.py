"""Rasa away (a restart): the turn waits, the person gets one notice, the answer follows.

The real webhook, queue and worker; Rasa is first nobody, then a local fake. Both databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.core.db import session_scope
from backend.models import Message, Task
from channels import waiting
from channels.pipeline import APOLOGY
from channels.waiting import NOTICE
from tests.fakes.rasa import FakeRasa
from tests.fakes.server import ServerThread

from .conftest import PUBLIC, make_due, run_worker

INBOUND = "/channels/twilio/inbound"
PERSON = "+33611000101"
REPLY = "Bien recu."  # the fake's "Bien reçu.", as an SMS spells it (GSM-7)


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


def use_settings(monkeypatch, **values: str) -> None:
    from backend.core.config import get_settings

    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def send(client, twilio, text: str) -> None:
    params = twilio.inbound_params(PERSON, text)
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + INBOUND, params)}
    assert client.post(INBOUND, data=params, headers=headers).status_code == 200


def bodies(twilio) -> list[str]:
    return [m["body"] for m in twilio.sent_to(PERSON)]


def turn_task() -> Task:
    with session_scope() as session:
        return session.scalars(
            select(Task).where(Task.kind == "process_inbound").order_by(Task.id)
        ).first()


def test_a_turn_waits_for_rasa_with_one_notice_then_is_answered(
    app_any_db, twilio, rasa, monkeypatch
):
    use_settings(monkeypatch, RASA_WAIT_NOTICE_SECONDS="0", RASA_URL="http://127.0.0.1:9")
    send(app_any_db, twilio, "bonjour")
    for _ in range(4):  # four tries while Rasa is away: one notice, no attempt used up
        run_worker()
        make_due()
    task = turn_task()
    assert (task.status, task.attempts) == ("pending", 0)
    assert task.last_error.startswith("ServiceAway: RasaUnavailable")
    assert bodies(twilio) == [NOTICE]

    use_settings(monkeypatch, RASA_URL=rasa.url)  # Rasa is back
    run_worker()
    assert bodies(twilio) == [NOTICE, REPLY]
    assert turn_task().status == "done"
    assert len(rasa.received) == 1
    with session_scope() as session:
        [inbound] = session.scalars(select(Message).where(Message.direction == "in")).all()
        assert inbound.status == "processed"


def test_a_short_outage_sends_no_notice(app_any_db, twilio, rasa, monkeypatch):
    use_settings(monkeypatch, RASA_WAIT_NOTICE_SECONDS="60", RASA_URL="http://127.0.0.1:9")
    send(app_any_db, twilio, "bonjour")
    run_worker()
    make_due()
    use_settings(monkeypatch, RASA_URL=rasa.url)
    run_worker()
    assert bodies(twilio) == [REPLY]


def test_past_the_patience_the_turn_fails_for_good_with_an_apology(app, twilio, monkeypatch):
    use_settings(
        monkeypatch,
        RASA_WAIT_NOTICE_SECONDS="0",
        OUTAGE_PATIENCE_SECONDS="0",
        RASA_URL="http://127.0.0.1:9",
    )
    send(app, twilio, "bonjour")
    for _ in range(8):
        run_worker()
        make_due()
    assert turn_task().status == "failed"
    assert bodies(twilio) == [NOTICE, APOLOGY]


class Health:
    """The action server's /health and the backend's /healthz, switchable."""

    def __init__(self) -> None:
        self.up = False
        app = Starlette(
            routes=[
                Route("/health", self._health),
                Route("/healthz", self._health),
            ]
        )
        self.server = ServerThread(app, "fake-health")

    async def _health(self, request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, status_code=200 if self.up else 503)


@pytest.fixture
def health() -> Iterator[Health]:
    fake = Health()
    fake.server.start()
    yield fake
    fake.server.stop()


@pytest.mark.parametrize("service", ["ACTION_SERVER_URL", "BACKEND_URL"])
def test_a_service_down_keeps_the_answers_for_later_with_one_notice(
    app_any_db, twilio, rasa, health, monkeypatch, service
):
    up = health.server.url
    use_settings(
        monkeypatch,
        CHECK_SERVICES_BEFORE_TURN="true",
        RASA_WAIT_NOTICE_SECONDS="0",
        RASA_URL=rasa.url,
        ACTION_SERVER_URL=up,
        BACKEND_URL=up,
    )
    waiting._seen_up.clear()
    health.up = True
    send(app_any_db, twilio, "bonjour")
    run_worker()
    assert bodies(twilio) == [REPLY]

    use_settings(monkeypatch, **{service: "http://127.0.0.1:9"})  # the service goes away
    for text in ("oui", "non", "peut-etre"):  # three answers while it is away
        send(app_any_db, twilio, text)
        for _ in range(3):
            run_worker()
            make_due()
    assert bodies(twilio) == [REPLY, NOTICE]  # one notice, not one per message
    assert len(rasa.received) == 1  # nothing ran without the service

    use_settings(monkeypatch, **{service: up})  # back
    make_due()
    run_worker()
    # Flood control's batching (channels/flood.py): what waited is one turn, the latest answer.
    assert bodies(twilio) == [REPLY, NOTICE, REPLY]
    assert [turn["message"] for turn in rasa.received] == ["bonjour", "peut-etre"]
    with session_scope() as session:
        statuses = session.scalars(
            select(Message.status).where(Message.direction == "in").order_by(Message.id)
        ).all()
    assert statuses == ["processed", "batched", "batched", "processed"]


def test_stop_does_not_wait_for_a_service(app, twilio, monkeypatch):
    use_settings(
        monkeypatch,
        CHECK_SERVICES_BEFORE_TURN="true",
        ACTION_SERVER_URL="http://127.0.0.1:9",
    )
    send(app, twilio, "STOP")
    run_worker()
    assert len(bodies(twilio)) == 1 and bodies(twilio)[0] != NOTICE
