"""An https PUBLIC_BASE_URL is production: no demo secret, and the simulator closed by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.core.config import InsecureSettings, get_settings

ROOT = Path(__file__).resolve().parents[1]
SECRETS = {
    "SECRET_KEY": "a-long-random-secret-key-for-tests",
    "BOT_API_TOKEN": "a-long-random-bot-token-for-tests",
    "ACTION_SERVER_TOKEN": "a-long-random-action-token-for-tests",
}


def app_env(monkeypatch, **values: str) -> None:
    for name in (*SECRETS, "SIMULATOR_OPEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def make_app():
    from backend.main import create_app

    return create_app()


def test_the_backend_process_refuses_to_start_on_https_with_demo_secrets(sqlite_url):
    env = {
        k: v for k, v in os.environ.items() if k not in (*SECRETS, "SIMULATOR_OPEN", "LOG_LEVEL")
    }
    env.update(PUBLIC_BASE_URL="https://parcours.example.org", PYTHONPATH=str(ROOT))
    for command in (
        ["-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1", "--port", "0"],
        ["-m", "backend.worker"],
    ):
        done = subprocess.run(
            [sys.executable, *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        last_line = done.stderr.strip().splitlines()[-1]
        assert "InsecureSettings" in last_line
        for name in SECRETS:
            assert name in last_line


@pytest.mark.parametrize("kept", list(SECRETS))
def test_each_missing_or_default_secret_is_named(sqlite_url, monkeypatch, kept):
    values = {name: value for name, value in SECRETS.items() if name != kept}
    if kept != "ACTION_SERVER_TOKEN":
        values[kept] = {"SECRET_KEY": "dev-secret-change-me", "BOT_API_TOKEN": "dev-bot-token"}[
            kept
        ]
    app_env(monkeypatch, PUBLIC_BASE_URL="https://parcours.example.org", **values)
    with pytest.raises(InsecureSettings) as refused:
        make_app()
    message = str(refused.value)
    assert kept in message
    assert [name for name in SECRETS if name in message] == [kept]


def test_an_empty_secret_is_refused_too(sqlite_url, monkeypatch):
    app_env(monkeypatch, PUBLIC_BASE_URL="https://parcours.example.org", **SECRETS)
    monkeypatch.setenv("SECRET_KEY", "  ")
    get_settings.cache_clear()
    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        make_app()


def test_production_with_real_secrets_starts_with_the_simulator_closed(sqlite_url, monkeypatch):
    app_env(monkeypatch, PUBLIC_BASE_URL="https://parcours.example.org", **SECRETS)
    assert get_settings().simulator_open is False
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/simulate", json={"contact": "+33612345678", "text": "rdv"})
    assert response.status_code == 401


def test_production_may_still_open_the_simulator_explicitly(sqlite_url, monkeypatch):
    app_env(
        monkeypatch,
        PUBLIC_BASE_URL="https://parcours.example.org",
        SIMULATOR_OPEN="true",
        RASA_URL="http://127.0.0.1:9",  # no Rasa: the turn fails, but it was let in
        **SECRETS,
    )
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/simulate", json={"contact": "+33612345678", "text": "x"})
    assert response.status_code == 503


def test_the_demo_on_http_keeps_its_defaults_and_an_open_simulator(sqlite_url, monkeypatch):
    app_env(monkeypatch, PUBLIC_BASE_URL="http://127.0.0.1:8000", RASA_URL="http://127.0.0.1:9")
    assert get_settings().simulator_open is True
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/simulate", json={"contact": "+33612345678", "text": "x"})
    assert response.status_code == 503  # let in; Rasa is not running here
