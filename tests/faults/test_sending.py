"""Sending under faults, with a real worker process and the fake Twilio, on both databases:
a worker killed while a message is with the provider, the provider answering 500 or 429."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.core.db import session_scope
from backend.models import Contact, Event, KeyLease, Message, Task, utcnow
from backend.services.outbox import queue_outbound
from channels.outbound import INTERRUPTED
from channels.rendering import render
from tests.fakes.twilio import FakeTwilio
from tests.support.worker import start_worker

PERSON = "+33611000301"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def worker(database_url, twilio) -> Iterator:
    """Starts `python -m backend.worker` processes (as `make run` does); all stopped after."""
    twilio.reset()
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = start_worker(
            {
                "DATABASE_URL": database_url,
                "TWILIO_ACCOUNT_SID": twilio.account_sid,
                "TWILIO_AUTH_TOKEN": twilio.auth_token,
                "TWILIO_FROM_NUMBER": "+33700000000",
                "TWILIO_API_BASE_URL": twilio.url,
                "SEND_MAX_RETRIES": "2",
                "WORKER_POLL_SECONDS": "0.1",
            }
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def queue_reply(text: str) -> int:
    with session_scope() as session:
        contact = session.query(Contact).filter_by(address=PERSON).one_or_none()
        if contact is None:
            contact = Contact(channel="sms", address=PERSON)
            session.add(contact)
            session.flush()
        [rendered] = render([{"text": text}], "sms")
        return queue_outbound(session, contact, rendered).id


def message(message_id: int) -> Message:
    with session_scope() as session:
        found = session.get(Message, message_id)
        session.expunge(found)
        return found


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_while_sending_never_sends_twice_and_the_failure_shows(worker, twilio):
    twilio.hold_next(60)  # Twilio takes the message, the answer never reaches the worker
    first = queue_reply("Premier message")
    killed = worker()
    wait_for(lambda: twilio.sent_to(PERSON), 30, "the message at the provider")
    assert message(first).status == "sending"
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    # Its task's lock and the contact's lease would expire in two minutes: time travel.
    past = utcnow() - timedelta(seconds=1)
    with session_scope() as session:
        session.execute(update(Task).where(Task.status == "running").values(locked_until=past))
        session.execute(update(KeyLease).values(expires_at=past))
    worker()
    wait_for(lambda: message(first).status == "failed", 30, "the failure")
    failed = message(first)
    assert failed.error_code == INTERRUPTED and "not sent again" in failed.error_detail
    with session_scope() as session:
        assert session.query(Event).filter_by(kind="send_interrupted").count() == 1
    # The next message goes out as usual; the first was never sent a second time.
    second = queue_reply("Deuxieme message")
    wait_for(lambda: message(second).status == "sent", 30, "the next message")
    time.sleep(0.5)
    assert [m["body"] for m in twilio.sent_to(PERSON)] == ["Premier message", "Deuxieme message"]


def test_provider_errors_are_retried_with_backoff_sent_once_or_shown_failed(worker, twilio):
    twilio.server_error(2)
    twilio.throttle(2)
    first = queue_reply("Malgre les erreurs")
    worker()
    wait_for(lambda: message(first).status == "sent", 60, "the message after retries")
    sent = message(first)
    assert (sent.payload["failures"], sent.payload["throttled"]) == (2, 2)
    calls = twilio.attempts
    assert calls == 5 and len(twilio.sent_to(PERSON)) == 1
    # Backoff: 2 s then 4 s per kind of failure (plus jitter), measured between the provider's
    # calls. The queue waits on the wall clock (run_at), which this machine sometimes steps: a
    # step can shorten a gap on one clock, never on both, so each gap takes the longer of the two.
    times = twilio.attempt_times
    gaps = [max(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(times)]
    assert len(gaps) == 4 and all(g >= d for g, d in zip(gaps, (2, 4, 2, 4), strict=True)), gaps
    elapsed = sum(gaps)

    twilio.server_error(3)  # past SEND_MAX_RETRIES: visible as failed, with the error
    second = queue_reply("Jamais remis")
    wait_for(lambda: message(second).status == "failed", 60, "the failure")
    failed = message(second)
    assert failed.error_code == "20500" and failed.payload["failures"] == 3
    time.sleep(0.5)
    assert len(twilio.sent_to(PERSON)) == 1
    print(f"\n2 x 500 + 2 x 429 then sent: {elapsed:.1f} s, {calls} provider calls")
