"""Settings from environment variables (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parents[2]
DEMO_SECRET_KEY = "dev-secret-change-me"
DEMO_BOT_API_TOKEN = "dev-bot-token"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = f"sqlite:///{ROOT_DIR / 'data' / 'parcours.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    # Shared secret the action server presents to the backend API.
    bot_api_token: str = DEMO_BOT_API_TOKEN
    secret_key: str = DEMO_SECRET_KEY
    # Shared secret Rasa presents to the action server (bot/action_server.py refuses calls
    # without it). The backend does not use it; it is checked here with the other secrets.
    action_server_token: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    default_phone_region: str = "FR"
    timezone: str = "Europe/Paris"
    # How long one turn may wait for Rasa before the message is retried later.
    rasa_timeout_seconds: float = 30.0
    # Rasa's SQL tracker store (bot/endpoints.yml): a SQLite file path or a database URL. An
    # erasure asked by chat deletes the person's conversation there (backend/services/erasure.py).
    rasa_tracker_db: str = str(ROOT_DIR / "data" / "rasa_tracker.db")
    # Transcripts and unvalidated declarations older than this are purged by a daily task
    # (backend/services/retention.py); validated items stay with the parcours.
    retention_days: int = Field(default=180, ge=1)
    # Rasa away (a restart, say): the turn is retried every OUTAGE_RETRY_SECONDS without using
    # up its attempts for OUTAGE_PATIENCE_SECONDS, then as any failure (backoff, then an
    # apology); past RASA_WAIT_NOTICE_SECONDS the person gets one "un instant" notice.
    rasa_wait_notice_seconds: float = 15.0
    # Before a turn, check that the action server and the backend API (which the dialogue's
    # actions call) answer; if not, the turn waits as above instead of running without them
    # (their effect would be lost). `make run` and deploy/ turn it on.
    check_services_before_turn: bool = False
    backend_url: str = "http://127.0.0.1:8000"
    outage_retry_seconds: float = 3.0
    outage_patience_seconds: float = 900.0
    # How often an idle worker looks at the queue (one thread per worker process looks, then
    # wakes the others for what it found: backend/worker.py). On PostgreSQL a new task also
    # wakes it at once (LISTEN/NOTIFY); on SQLite this is how long a new message may wait.
    worker_poll_seconds: float = Field(default=0.05, gt=0)
    # Niceness of the turn processes (Rasa servers, action server, workers) started by `make run`
    # and `make run-scaled` (scripts/priority.py), once they answer: webhook acknowledgements,
    # which Twilio waits for, win the CPU over turns. 0 leaves them at normal priority.
    # 10: at 100 webhooks/s on 2 cores the ack p99 went from 240-360 ms (0) to 25-35 ms.
    turn_process_nice: int = Field(default=10, ge=0, le=19)
    # The simulator answers as any number would, appointment details included: open for a
    # demo machine, staff-only (coordinator or admin signed in) in production. Unset, it is
    # open on http (a demo) and closed when PUBLIC_BASE_URL is https (production).
    simulator_open: bool | None = None  # resolved below
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
    # Choices as real WhatsApp buttons (Content API, inside the 24 h session): approved
    # templates whose variable {{1}} is the text and {{2}}... the options' titles.
    # Quick replies (up to 3 buttons) by number of options, "2:HX...,3:HX..."; a list picker
    # (up to 10 items) for longer menus. Unset: the options are a numbered text list.
    twilio_whatsapp_quick_reply_sids: str = ""
    twilio_whatsapp_list_sid: str = ""

    # Telegram: active when the bot token is set.
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_link_ttl_hours: int = 72

    # Outbound sending: a transient failure (5xx, network) is retried this many times.
    send_max_retries: int = 3

    # Suggested parcours (backend/data/orientation_rules.yml): the thresholds the national
    # orientation criteria leave open. Education levels that count as qualifying (France
    # Travail codes); how many years without work still count as recent activity (0: only
    # working now, 2: the questionnaire's "the last 2 years"); the age under which a person
    # counts as young. Empty rules file: the one shipped in backend/data.
    orientation_rules_file: str = ""
    orientation_qualifying_levels: str = "NV5,NV4,NV3,NV2,NV1"
    orientation_recent_activity_years: int = 2
    orientation_young_age: int = 26

    # Request bodies over these sizes are refused (413) before they are read.
    max_body_bytes: int = 1_000_000
    rdv_solidarites_max_body_bytes: int = 5_000_000

    # Flood control (channels/flood.py): at most this many answered turns per contact within
    # the window; past it one notice, then silence until the window has passed.
    flood_max_replies: int = 10
    flood_window_seconds: float = 60.0

    @model_validator(mode="after")
    def _simulator_default(self) -> Settings:
        if self.simulator_open is None:
            self.simulator_open = not self.is_production
        return self

    @property
    def is_production(self) -> bool:
        """A public https address means real people: no demo defaults there."""
        return self.public_base_url.strip().lower().startswith("https://")

    def insecure_secrets(self) -> list[str]:
        """The secrets still empty or at their demo value (environment variable names)."""
        demo = {
            "SECRET_KEY": (self.secret_key, DEMO_SECRET_KEY),
            "BOT_API_TOKEN": (self.bot_api_token, DEMO_BOT_API_TOKEN),
            "ACTION_SERVER_TOKEN": (self.action_server_token, ""),
        }
        return [name for name, (value, default) in demo.items() if value.strip() in ("", default)]


class InsecureSettings(RuntimeError):
    pass


def check_production(settings: Settings) -> None:
    """Refuse to start a public (https) deployment on demo secrets."""
    missing = settings.insecure_secrets() if settings.is_production else []
    if missing:
        raise InsecureSettings(
            f"PUBLIC_BASE_URL is https (production) but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} empty or still the demo default: set "
            "each to a long random value (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`)"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
