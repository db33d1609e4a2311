"""Settings from environment variables (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = f"sqlite:///{ROOT_DIR / 'data' / 'parcours.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    # Shared secret the action server presents to the backend API.
    bot_api_token: str = "dev-bot-token"
    secret_key: str = "dev-secret-change-me"
    public_base_url: str = "http://127.0.0.1:8000"
    default_phone_region: str = "FR"
    timezone: str = "Europe/Paris"
    # How long one turn may wait for Rasa before the message is retried later.
    rasa_timeout_seconds: float = 30.0
    # Set by `make run`: the worker is a separate process. Tests may run it in-process.
    worker_poll_seconds: float = 0.2
    # RDV-Solidarités outgoing webhooks: shared secret of the X-Lapin-Signature HMAC. Empty
    # means the webhook refuses everything.
    rdv_solidarites_webhook_secret: str = ""
    # Appointment reminders: defaults, a coordinator may change them in the app.
    reminder_offsets_hours: str = "48"  # comma-separated, e.g. "48,2"
    quiet_hours: str = "08:00-20:00"  # reminders are only sent inside this local window
    # When a person asking to be called back may expect the call.
    callback_delay_business_days: int = 2


@lru_cache
def get_settings() -> Settings:
    return Settings()
