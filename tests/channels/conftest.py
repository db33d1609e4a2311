"""Channel tests: the app configured for Twilio and Telegram, both pointing at local fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

PUBLIC = "https://parcours.example.org"  # behind a proxy: not the URL the app is reached at
SMS_FROM = "+33700000000"
WHATSAPP_FROM = "whatsapp:+33700000001"
SECRET = "webhook-secret-for-tests"


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio(fake_twilio) -> FakeTwilio:
    fake_twilio.reset()
    return fake_twilio


@pytest.fixture
def telegram(fake_telegram) -> FakeTelegram:
    fake_telegram.reset()
    return fake_telegram


@pytest.fixture
def channels_env(monkeypatch, twilio, telegram) -> dict[str, str]:
    env = {
        "PUBLIC_BASE_URL": PUBLIC,
        "RASA_URL": "http://127.0.0.1:9",  # no Rasa here: turns that need it fail fast
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_API_BASE_URL": twilio.url,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        # An https PUBLIC_BASE_URL is production: the app refuses to start on demo secrets.
        "SECRET_KEY": "channel-tests-secret-key",
        "BOT_API_TOKEN": "channel-tests-bot-token",
        "ACTION_SERVER_TOKEN": "channel-tests-action-token",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    return env


def make_client() -> TestClient:
    from backend.main import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.fixture
def app(channels_env, sqlite_url) -> Iterator[TestClient]:
    """SQLite only: most channel behaviour does not depend on the store."""
    with make_client() as client:
        yield client


@pytest.fixture
def app_any_db(channels_env, database_url) -> Iterator[TestClient]:
    """On SQLite and PostgreSQL: for deduplication, which rests on the store's constraints."""
    with make_client() as client:
        yield client


def run_worker() -> int:
    from backend.worker import run_pending

    return run_pending("test-worker")


def make_due() -> None:
    """Time travel: every retry scheduled for later is due now."""
    from backend.core.db import session_scope
    from backend.models import Task, utcnow

    with session_scope() as session:
        session.execute(
            update(Task)
            .where(Task.status == "pending")
            .values(run_at=utcnow() - timedelta(seconds=1))
        )
