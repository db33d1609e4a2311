"""A turn's replies are sent at the end of the turn task, in the same worker thread, without
waiting for the worker's next poll; a send that fails there is the queue's to retry, once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Message, Task, utcnow
from backend.services.outbox import queue_outbound
from backend.worker import run_pending
from channels.rendering import render
from tests.fakes.rasa import FakeRasa

from .conftest import PUBLIC, make_due, run_worker

INBOUND = "/channels/twilio/inbound"
REPLY = "Bien recu."  # the fake Rasa's "Bien reçu.", folded to GSM-7


@pytest.fixture
def rasa(monkeypatch) -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    monkeypatch.setenv("RASA_URL", fake.url)
    # A poll an hour away: anything sent here was sent by the turn itself.
    monkeypatch.setenv("WORKER_POLL_SECONDS", "3600")
    from backend.core.config import get_settings

    get_settings.cache_clear()
    yield fake
    fake.stop()


def write(app, twilio, number: str, text: str) -> None:
    params = twilio.inbound_params(number, text)
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + INBOUND, params)}
    assert app.post(INBOUND, data=params, headers=headers).status_code == 200


def one_turn() -> None:
    """The worker claims one task (the turn) and runs it: no second pass over the queue."""
    assert run_pending("turn-worker", max_tasks=1) == 1


def replies(number: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Contact, Contact.id == Message.contact_id)
                .where(Contact.address == number, Message.direction == "out")
                .order_by(Message.id)
            )
        )


def send_tasks() -> list[Task]:
    with session_scope() as session:
        return list(session.scalars(select(Task).where(Task.kind == "send_message")))


def test_the_reply_reaches_the_provider_within_the_turn_task(app_any_db, twilio, rasa):
    write(app_any_db, twilio, "+33611000701", "Bonjour")
    one_turn()
    [sent] = twilio.sent_to("+33611000701")
    assert sent["body"] == REPLY
    [reply] = replies("+33611000701")
    assert (reply.status, reply.provider_id) == ("sent", sent["sid"])
    assert [task.status for task in send_tasks()] == ["done"]
    assert run_worker() == 0  # nothing left for a poll


def test_a_provider_500_on_the_inline_send_is_retried_by_the_queue_and_sent_once(
    app_any_db, twilio, rasa
):
    twilio.server_error(times=1)
    write(app_any_db, twilio, "+33611000702", "Bonjour")
    one_turn()
    [reply] = replies("+33611000702")
    assert reply.status == "retrying" and twilio.attempts == 1
    [task] = send_tasks()
    assert task.status == "pending" and task.run_at > utcnow()  # the queue's backoff
    assert run_worker() == 0  # not due yet: no second try at once
    make_due()
    assert run_worker() == 1
    [sent] = twilio.sent_to("+33611000702")
    assert sent["body"] == REPLY and twilio.attempts == 2
    [reply] = replies("+33611000702")
    assert (reply.status, reply.provider_id) == ("sent", sent["sid"])


def test_an_earlier_send_waiting_for_its_retry_keeps_its_place_before_the_reply(
    app_any_db, twilio, rasa
):
    number = "+33611000703"
    write(app_any_db, twilio, number, "Bonjour")
    one_turn()
    twilio.server_error(times=1)
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == number))
        [rendered] = render([{"text": "Rappel : RDV demain"}], "sms")
        queue_outbound(session, contact, rendered)
    assert run_pending("poller", max_tasks=1) == 1  # the reminder fails: backoff
    write(app_any_db, twilio, number, "Merci")
    one_turn()  # its reply waits behind the reminder rather than overtake it
    assert [m["body"] for m in twilio.sent_to(number)] == [REPLY]
    make_due()
    run_worker()
    assert [m["body"] for m in twilio.sent_to(number)] == [REPLY, "Rappel : RDV demain", REPLY]
    assert [m.status for m in replies(number)] == ["sent"] * 3
