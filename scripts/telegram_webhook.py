"""`make telegram-webhook`: point the Telegram bot at PUBLIC_BASE_URL/channels/telegram/webhook,
with TELEGRAM_WEBHOOK_SECRET as the secret token. Does nothing when no bot token is set."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from backend.core.config import get_settings
from channels.telegram import WEBHOOK_PATH, TelegramChannel


def main() -> int:
    settings = get_settings()
    if not settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is not set: no Telegram webhook to register.")
        return 0
    if not settings.telegram_webhook_secret:
        print("Set TELEGRAM_WEBHOOK_SECRET first: the webhook refuses updates without it.")
        return 1
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    channel = TelegramChannel(settings)
    try:
        channel.set_webhook(url, settings.telegram_webhook_secret)
    except Exception as exc:  # Telegram wants a public HTTPS URL, the token may be wrong...
        print(f"Telegram refused the webhook {url}: {exc}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    print(f"Telegram webhook set to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
