"""A whole conversation through the real stack, then every process's log scanned: no bot token,
no phone number (in any writing), no name, no message text (issue 12, point 6)."""

from __future__ import annotations

import re
import time

import httpx
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact
from backend.seed import DEMO_PHONE

from .conftest import LOGS, TELEGRAM_SECRET

SMS_TEXT = "Zorglub mange des quetzalcoatls violets"
TELEGRAM_TEXT = "Ornithorynque bleu du mercredi matin"
TELEGRAM_USER = 555000111


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def sms_turn(stack, twilio, text: str) -> None:
    before = len(twilio.sent_to(DEMO_PHONE))
    params = twilio.inbound_params(DEMO_PHONE, text)
    response = twilio.post_signed(f"{stack.backend_url}/channels/twilio/inbound", params)
    assert response.status_code == 200
    wait_for(lambda: len(twilio.sent_to(DEMO_PHONE)) > before)


def test_no_secret_or_personal_data_in_any_log(stack, e2e_db, e2e_twilio, e2e_telegram):
    # Awa (the seeded beneficiary) by SMS: greeted by her name, her appointment, a text the
    # bot does not understand.
    sms_turn(stack, e2e_twilio, "Bonjour")
    assert "Awa" in e2e_twilio.sent_to(DEMO_PHONE)[-1]["body"]
    sms_turn(stack, e2e_twilio, "c quand mon rdv")
    sms_turn(stack, e2e_twilio, SMS_TEXT)

    # Someone on Telegram: the worker answers through the Bot API (its URL holds the token).
    update = e2e_telegram.message_update(TELEGRAM_USER, TELEGRAM_TEXT)
    response = httpx.post(
        f"{stack.backend_url}/channels/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=10,
    )
    assert response.status_code == 200
    wait_for(
        lambda: [
            c
            for c in e2e_telegram.method_calls("sendMessage")
            if str(c.get("chat_id")) == str(TELEGRAM_USER)
        ]
    )

    # A database error, with a text and a number in the statement's parameters.
    with session_scope() as session:
        contact_id = session.scalar(select(Contact.id).where(Contact.address == DEMO_PHONE))
    httpx.post(
        f"{stack.backend_url}/api/v1/bot/contacts/{contact_id}/events",
        json={
            "kind": "note",
            "data": {"said": SMS_TEXT, "phone": DEMO_PHONE},
            "message_id": 2**31 - 7,
        },
        headers={"Authorization": f"Bearer {stack.env()['BOT_API_TOKEN']}"},
        timeout=10,
    )
    time.sleep(1)  # the last lines reach the files

    logs = {path.name: path.read_text(errors="replace") for path in sorted(LOGS.glob("*.log"))}
    assert {"actions.log", "rasa.log", "backend.log", "worker.log"} <= set(logs)
    token = e2e_telegram.token
    national = DEMO_PHONE.replace("+33", "")  # 612345678: in +33 6 12..., 06.12..., 0033...
    forbidden = {
        "the bot token": re.escape(token.split(":", 1)[1]),
        "the phone number": r"6[ .\-]?1[ .\-]?2[ .\-]?3[ .\-]?4[ .\-]?5[ .\-]?6[ .\-]?7[ .\-]?8",
        "the name": r"\bAwa\b|\bDiallo\b",
        "the SMS text": r"(?i)zorglub|quetzalcoatl",
        "the Telegram text": r"(?i)ornithorynque",
    }
    assert national == "612345678"
    found = [
        f"{what} in {name}: ...{text[max(0, m.start() - 80) : m.end() + 40]}..."
        for name, text in logs.items()
        for what, pattern in forbidden.items()
        for m in [re.search(pattern, text)]
        if m
    ]
    assert not found, "\n".join(found)
