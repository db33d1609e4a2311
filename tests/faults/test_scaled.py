"""The scaled configuration (scripts/scaled.py, `make run-scaled`): PostgreSQL, Redis, haproxy,
two backends, two workers, two Rasa servers. Several people write at once through haproxy while
one Rasa server, one worker and one backend are killed: every message is stored once, every
turn answered once and in order per person."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Message
from tests.fakes.twilio import FakeTwilio
from tests.support.database import reset_caches

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [f"+336110005{n:02d}" for n in range(8)]
TEXTS = ["Bonjour", "aide", "Bonjour", "aide", "Bonjour", "aide"]

pytestmark = [
    pytest.mark.skipif(
        not (shutil.which("haproxy") and shutil.which("redis-server")),
        reason="needs haproxy and redis-server (apt-get install haproxy redis-server)",
    ),
    # Not in CI yet: haproxy once answered a webhook 502 while a backend was killed (it now
    # retries on the other server, scripts/scaled.py). It took 4-7 minutes on a loaded 2-core
    # machine, 50 s since the turns got cheaper (stop 26). `make test-scaled` runs it.
    pytest.mark.skipif(
        os.environ.get("RUN_SCALED") != "1", reason="make test-scaled (RUN_SCALED=1)"
    ),
]


@pytest.fixture(scope="module")
def scaled(monkeypatch_module) -> Iterator[tuple[object, FakeTwilio, list]]:
    from scaled import ScaledStack
    from stack import free_port

    twilio = FakeTwilio().start()
    backend_port = free_port()
    stack = ScaledStack(
        # Not pytest's tmp_path: its parents are closed to the postgres user.
        workdir=Path(tempfile.mkdtemp(prefix="scaled-")),
        backend_port=backend_port,
        rasa_port=free_port(),
        actions_port=free_port(),
        log_dir=ROOT / "tests" / "artifacts" / "scaled",
        extra_env={
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{backend_port}",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+33700000000",
            "TWILIO_API_BASE_URL": twilio.url,
            "RASA_WAIT_NOTICE_SECONDS": "600",  # not this test's subject
            "OUTAGE_RETRY_SECONDS": "1",
        },
    )
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=lambda: stack.supervisor(say=lines.append).run(stop, 0.2))
    try:
        stack.start()
        stack.wait_ready()
        thread.start()
        monkeypatch_module.setenv("DATABASE_URL", stack.database_url)
        reset_caches()
        yield stack, twilio, lines
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        stack.stop()
        twilio.stop()
        reset_caches()
        shutil.rmtree(stack.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def conversation(stack, twilio: FakeTwilio, number: str, errors: list[str]) -> None:
    """A person: a message, wait for its answer, the next one."""
    url = f"{stack.backend_url}/channels/twilio/inbound"
    for n, text in enumerate(TEXTS, 1):
        response = twilio.post_signed(url, twilio.inbound_params(number, text))
        if response.status_code != 200:
            errors.append(f"{number}: webhook {response.status_code}")
            return
        deadline = time.monotonic() + 180
        while not _answered(number, n):
            if time.monotonic() > deadline:
                errors.append(f"{number}: message {n} not answered")
                return
            time.sleep(0.2)


def _answered(number: str, turns: int) -> bool:
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == number))
        if contact is None:
            return False
        inbound = session.scalars(
            select(Message.id).where(Message.contact_id == contact.id, Message.direction == "in")
        ).all()
        replied = set(
            session.scalars(
                select(Message.in_reply_to_id).where(
                    Message.contact_id == contact.id,
                    Message.direction == "out",
                    Message.provider_id.is_not(None),
                )
            ).all()
        )
        return len(inbound) >= turns and all(i in replied for i in inbound[:turns])


def test_people_are_answered_once_in_order_while_processes_are_killed(scaled):
    stack, twilio, lines = scaled
    errors: list[str] = []
    people = [
        threading.Thread(target=conversation, args=(stack, twilio, number, errors))
        for number in PEOPLE
    ]
    for person in people:
        person.start()
    # Mid-conversation: once everyone has had a first answer (turns take well under a second
    # each, a fixed pause could let them all finish first).
    deadline = time.monotonic() + 120
    while not all(_answered(number, 1) for number in PEOPLE) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not all(_answered(number, len(TEXTS)) for number in PEOPLE), "too late to kill"
    for name in ("rasa1", "worker1", "backend2"):
        stack.processes[name].kill()
    for person in people:
        person.join(timeout=400)
    assert errors == []
    # Brought back (a Rasa server takes a while to load its model; the others served meanwhile).
    deadline = time.monotonic() + 180
    restarted = {"rasa1", "worker1", "backend2"}
    while restarted and time.monotonic() < deadline:
        restarted = {n for n in restarted if not any(x.startswith(f"{n} restarted") for x in lines)}
        time.sleep(0.5)
    assert not restarted, lines
    with session_scope() as session:
        for number in PEOPLE:
            contact = session.scalar(select(Contact).where(Contact.address == number))
            messages = session.scalars(
                select(Message).where(Message.contact_id == contact.id).order_by(Message.id)
            ).all()
            inbound = [m for m in messages if m.direction == "in"]
            assert [m.text for m in inbound] == TEXTS  # stored once each
            assert {m.status for m in inbound} == {"processed"}
            replies = [m for m in messages if m.direction == "out"]
            # In order, and the bodies the provider got are exactly the replies stored.
            assert [r.in_reply_to_id for r in replies] == sorted(r.in_reply_to_id for r in replies)
            sent = twilio.sent_to(number)
            assert [m["sid"] for m in sent] == [r.provider_id for r in replies]
