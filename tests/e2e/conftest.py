"""The real stack for end-to-end tests: Rasa server, action server, backend and worker,
started once per test run on free ports against a fresh, migrated and seeded SQLite file.

Tests talk HTTP to ``stack.backend_url`` and read the same database file directly.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Account, Beneficiary, Contact, Structure
from backend.services import appointment_text, appointments
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.support.database import migrate, reset_caches

PARIS = ZoneInfo("Europe/Paris")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
LOGS = ARTIFACTS / "logs"
TELEGRAM_SECRET = "e2e-telegram-webhook-secret"

_phones = itertools.count(1)


@pytest.fixture(scope="session")
def e2e_twilio() -> Iterator[FakeTwilio]:
    """The stack's Twilio: a local fake REST API that also posts signed status callbacks."""
    fake = FakeTwilio().start()
    fake.auto_callbacks = ["sent", "delivered"]
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def e2e_telegram() -> Iterator[FakeTelegram]:
    """The stack's Telegram Bot API: a local fake, with a token shaped like a real one."""
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, e2e_twilio, e2e_telegram) -> Iterator[object]:
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
    workdir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{workdir / 'parcours.db'}"
    migrate(url)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "backend.seed"], check=True, env=env, cwd=ROOT, capture_output=True
    )
    backend_port = free_port()
    # Each process's log of this run only (tests/e2e/test_logs.py scans them).
    for old in LOGS.glob("*.log"):
        old.unlink()
    running = Stack(
        backend_port=backend_port,
        rasa_port=free_port(),
        actions_port=free_port(),
        database_url=url,
        tracker_db=str(workdir / "tracker.db"),
        log_dir=LOGS,
        # SMS and WhatsApp go to the fake Twilio, Telegram to the fake Bot API.
        extra_env={
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{backend_port}",
            "TWILIO_ACCOUNT_SID": e2e_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": e2e_twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+33700000000",
            "TWILIO_WHATSAPP_FROM": "whatsapp:+33700000001",
            "TWILIO_API_BASE_URL": e2e_twilio.url,
            "TELEGRAM_BOT_TOKEN": e2e_telegram.token,
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_API_BASE_URL": e2e_telegram.url,
        },
    )
    running.start(Path(model))
    try:
        running.wait_ready(timeout=240)
        yield running
    finally:
        running.stop()


@pytest.fixture
def e2e_db(stack, monkeypatch) -> Iterator[None]:
    """This test process reads the stack's database (for assertions on what it stored)."""
    monkeypatch.setenv("DATABASE_URL", stack.database_url)
    reset_caches()
    yield
    reset_caches()


@pytest.fixture
def new_phone() -> str:
    """A valid French mobile number no other test uses: each test is a new person."""
    return f"+3376{os.getpid() % 100:02d}{next(_phones):05d}"


class Chat:
    """A person texting the bot through the simulator."""

    def __init__(self, base_url: str, contact: str, channel: str = "sms") -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.contact = contact
        self.channel = channel

    def say(self, text: str) -> list[dict]:
        response = self.client.post(
            "/api/v1/simulate",
            json={"contact": self.contact, "channel": self.channel, "text": text},
        )
        assert response.status_code == 200, response.text
        return response.json()["replies"]

    def say_text(self, text: str) -> str:
        return "\n".join(reply["text"] for reply in self.say(text))


@pytest.fixture
def chat(stack, new_phone):
    def open_chat(contact: str | None = None, channel: str = "sms") -> Chat:
        return Chat(stack.backend_url, contact or new_phone, channel)

    return open_chat


@pytest.fixture
def enrol(e2e_db, new_phone):
    """A beneficiary of the demo structure (referent Claire Martin) writing from ``new_phone``."""

    def make(
        *, verified: bool = True, appointment_in_days: int | None = 5, mode: str = "office"
    ) -> dict:
        with session_scope() as session:
            structure = session.scalar(
                select(Structure).where(Structure.name == "Mission locale Démo")
            )
            referent = session.scalar(select(Account).where(Account.email == "referente@demo.fr"))
            person = Beneficiary(
                first_name="Lina",
                last_name="Moreau",
                birth_date=date(1994, 5, 14),
                structure_id=structure.id,
                referent_id=referent.id,
            )
            session.add(person)
            session.flush()
            contact = Contact(
                beneficiary_id=person.id, channel="sms", address=new_phone, verified=verified
            )
            session.add(contact)
            session.flush()
            appointment = None
            if appointment_in_days is not None:
                day = (datetime.now(PARIS) + timedelta(days=appointment_in_days)).date()
                appointment = appointments.create(
                    session,
                    person.id,
                    structure.id,
                    appointments.AppointmentFields(
                        starts_at=datetime(day.year, day.month, day.day, 14, 30, tzinfo=PARIS),
                        mode=mode,
                        place=structure.address,
                        with_whom="Claire Martin",
                    ),
                )
            return {
                "beneficiary_id": person.id,
                "contact_id": contact.id,
                "appointment_id": appointment.id if appointment else None,
                "when": appointment_text.when_text(appointment.starts_at) if appointment else None,
            }

    return make
