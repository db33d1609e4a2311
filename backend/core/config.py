"""Settings from environment variables (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    # The simulator answers as any number would, appointment details included: open for a
    # demo machine, staff-only (coordinator or admin signed in) in production.
    simulator_open: bool = True
    # RDV-Solidarités outgoing webhooks: shared secret of the X-Lapin-Signature HMAC. Empty
    # means the webhook refuses everything.
    rdv_solidarites_webhook_secret: str = ""
    # Appointment reminders: defaults, a coordinator may change them in the app.
    reminder_offsets_hours: str = "48"  # comma-separated, e.g. "48,2"
    quiet_hours: str = "08:00-20:00"  # reminders are only sent inside this local window
    # Invitations: reminders this many days after the invitation when the person has not
    # answered (comma-separated, e.g. "3,7"; empty: no reminder). Sent inside QUIET_HOURS.
    invitation_reminder_days: str = "3"
    # When a person asking to be called back may expect the call.
    callback_delay_business_days: int = 2

    # Twilio (SMS and WhatsApp): a channel is active when its credentials and sender are set.
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""  # E.164 sender of SMS
    twilio_whatsapp_from: str = ""  # WhatsApp sender, "+E164" or "whatsapp:+E164"
    # Where every Twilio REST call goes (a local fake in tests).
    twilio_api_base_url: str = "https://api.twilio.com"
    # WhatsApp allows free text only within 24 h of the person's last message. Outside it:
    # "template" sends the approved template TWILIO_WHATSAPP_TEMPLATE_SID (its variable {{1}}
    # receives the text), "sms" sends the text by SMS from TWILIO_FROM_NUMBER instead.
    twilio_whatsapp_outside_window: Literal["template", "sms"] = "template"
    twilio_whatsapp_template_sid: str = ""

    # Telegram: active when the bot token is set.
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_link_ttl_hours: int = 72

    # Outbound sending: a transient failure (5xx, network) is retried this many times.
    send_max_retries: int = 3


@lru_cache
def get_settings() -> Settings:
    return Settings()
