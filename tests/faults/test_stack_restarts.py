"""Rasa killed mid-conversation: the supervisor of `make run` brings it back, the message
received meanwhile is answered once it is back, in order, once; the person got one notice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Message
from channels.waiting import NOTICE
from tests.fakes.twilio import FakeTwilio
from tests.support.database import migrate, reset_caches

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "artifacts" / "faults"
PERSON = "+33611000201"
NOTICE_AFTER = 4  # seconds; Rasa takes longer than that to load its model again


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def supervised(tmp_path_factory, twilio) -> Iterator[tuple[object, object]]:
    from stack import Stack, free_port

    model = (
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "ensure_model.py")],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    workdir = tmp_path_factory.mktemp("faults")
    url = f"sqlite:///{workdir / 'parcours.db'}"
    migrate(url)
    backend_port = free_port()
    stack = Stack(
        backend_port=backend_port,
        rasa_port=free_port(),
        actions_port=free_port(),
        database_url=url,
        tracker_db=str(workdir / "tracker.db"),
        log_dir=LOGS,
        extra_env={
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{backend_port}",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+33700000000",
            "TWILIO_API_BASE_URL": twilio.url,
            "RASA_WAIT_NOTICE_SECONDS": str(NOTICE_AFTER),
            "OUTAGE_RETRY_SECONDS": "1",
            "TURN_PROCESS_NICE": "10",
        },
    )
    stack.start(Path(model))
    lines: list[str] = []
    supervisor = stack.supervisor(say=lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop, 0.2))
    try:
        stack.wait_ready(timeout=240)
        thread.start()
        os.environ["DATABASE_URL"] = url
        reset_caches()
        yield stack, lines
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        stack.stop()
        os.environ.pop("DATABASE_URL", None)
        reset_caches()


def send(stack, twilio: FakeTwilio, text: str) -> str:
    params = twilio.inbound_params(PERSON, text)
    response = twilio.post_signed(f"{stack.backend_url}/channels/twilio/inbound", params)
    assert response.status_code == 200
    return params["MessageSid"]


def inbound_id(sid: str) -> int:
    with session_scope() as session:
        return session.scalar(select(Message.id).where(Message.provider_id == sid))


def outbound() -> list[Message]:
    with session_scope() as session:
        return list(
            session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id))
        )


def test_rasa_killed_comes_back_and_the_waiting_message_is_answered_once(supervised, twilio):
    stack, lines = supervised
    first = inbound_id(send(stack, twilio, "Bonjour"))
    wait_for(lambda: twilio.sent_to(PERSON), 60, "the first reply")
    answered_before = len(twilio.sent_to(PERSON))

    stack.kill("rasa")
    killed_at = time.monotonic()
    during = inbound_id(send(stack, twilio, "Bonjour"))
    wait_for(lambda: "rasa restarted (restart 1)" in lines, 30, "the restart")
    assert lines[0].startswith("rasa exited (code -9); restarting it in 1 s")

    def answered() -> bool:
        return any(
            m.in_reply_to_id == during and m.provider_id
            for m in outbound()
            if (m.payload or {}).get("kind") != "wait_notice"
        )

    wait_for(answered, 180, "the answer to the message sent while Rasa was away")
    outage = time.monotonic() - killed_at
    after = inbound_id(send(stack, twilio, "Bonjour"))
    wait_for(
        lambda: any(m.in_reply_to_id == after and m.provider_id for m in outbound()),
        60,
        "the answer to the next message",
    )
    time.sleep(2)  # time for a duplicate to show, if there were one

    bodies = [m["body"] for m in twilio.sent_to(PERSON)]
    replies = outbound()
    # One notice, sent while waiting, before the answer; nothing sent twice.
    assert bodies.count(NOTICE) == 1, bodies
    assert bodies[answered_before] == NOTICE
    sids = [m.provider_id for m in replies]
    assert len(sids) == len(set(sids)) == len(bodies)
    # Answers in the order of the messages, each message answered by one turn.
    order = [m.in_reply_to_id for m in replies]
    assert order == sorted(order)
    assert {first, during, after} == set(order)
    with session_scope() as session:
        statuses = session.scalars(
            select(Message.status).where(Message.direction == "in").order_by(Message.id)
        ).all()
    assert statuses == ["processed"] * 3
    # The restarted Rasa runs at TURN_PROCESS_NICE again (once it answered), the backend not.
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, stack.processes["rasa"].pid) == max(ours, 10)
    assert os.getpriority(os.PRIO_PROCESS, stack.processes["worker"].pid) == max(ours, 10)
    assert os.getpriority(os.PRIO_PROCESS, stack.processes["backend"].pid) == ours
    print(f"\nrasa outage (kill -> answer): {outage:.1f} s; supervisor: {lines}")


def test_the_action_server_killed_comes_back_and_the_answer_waits_for_it(supervised, twilio):
    """Killed, the action server is started again; the turn that arrived meanwhile waits
    for it (CHECK_SERVICES_BEFORE_TURN) rather than run without it, then is answered once."""
    stack, lines = supervised
    before = len(outbound())
    stack.kill("actions")
    during = inbound_id(send(stack, twilio, "Bonjour"))
    wait_for(lambda: "actions restarted (restart 1)" in lines, 30, "the restart")

    def answered() -> list[Message]:
        return [
            m
            for m in outbound()[before:]
            if m.in_reply_to_id == during and (m.payload or {}).get("kind") != "wait_notice"
        ]

    wait_for(answered, 120, "the answer")
    time.sleep(2)
    replies = answered()
    assert all(m.provider_id for m in replies)
    sids = [m.provider_id for m in outbound()]
    assert len(sids) == len(set(sids)) == len(twilio.sent_to(PERSON))
    notices = [m for m in outbound()[before:] if (m.payload or {}).get("kind") == "wait_notice"]
    assert len(notices) <= 1
