"""Telegram: secret-checked webhook, update_id dedupe, python-telegram-bot against a fake API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.core.db import session_scope
from backend.models import (
    Beneficiary,
    Contact,
    ContactStatus,
    Message,
    TelegramLinkToken,
    utcnow,
)
from backend.seed import DEMO_PASSWORD, DEMO_PHONE, seed
from backend.services.outbox import queue_outbound
from channels.rendering import render
from tests.fakes.telegram import BLOCKED, BOT_USER

from .conftest import SECRET, make_client, make_due, run_worker

WEBHOOK = "/channels/telegram/webhook"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
BUTTONS = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]


def post(app, update, headers=HEADERS):
    return app.post(WEBHOOK, json=update, headers=headers)


def messages_of(user_id: int, direction: str = "in") -> list[Message]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Contact, Contact.id == Message.contact_id)
                .where(
                    Contact.channel == "telegram",
                    Contact.address == str(user_id),
                    Message.direction == direction,
                )
                .order_by(Message.id)
            )
        )


def contact_of(user_id: int) -> Contact | None:
    with session_scope() as session:
        return session.scalar(
            select(Contact).where(Contact.channel == "telegram", Contact.address == str(user_id))
        )


def new_outbound(user_id: int, text: str, buttons=None) -> int:
    with session_scope() as session:
        contact = session.scalar(
            select(Contact).where(Contact.channel == "telegram", Contact.address == str(user_id))
        )
        if contact is None:
            contact = Contact(channel="telegram", address=str(user_id))
            session.add(contact)
            session.flush()
        [rendered] = render([{"text": text, "buttons": buttons or []}], "telegram")
        return queue_outbound(session, contact, rendered).id


def get_message(message_id: int) -> Message:
    with session_scope() as session:
        return session.get(Message, message_id)


# --- webhook -----------------------------------------------------------------------------


def test_the_secret_header_is_required(app, telegram):
    update = telegram.message_update(5001, "bonjour")
    assert post(app, update, headers={}).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}
    assert post(app, update, headers=wrong).status_code == 403
    assert messages_of(5001) == []
    assert post(app, update).status_code == 200
    [message] = messages_of(5001)
    assert (message.text, message.provider_id, message.status) == (
        "bonjour",
        str(update["update_id"]),
        "received",
    )


def test_an_update_delivered_twice_is_stored_once(app_any_db, telegram):
    update = telegram.message_update(5002, "bonjour")
    assert post(app_any_db, update).status_code == 200
    assert post(app_any_db, update).status_code == 200
    with make_client() as restarted:
        assert post(restarted, update).status_code == 200
    assert len(messages_of(5002)) == 1


def test_edited_messages_and_group_chats_are_ignored(app, telegram):
    response = post(app, telegram.edited_update(5003, "bonjour corrigé"))
    assert response.status_code == 200 and response.json() == {"ignored": "edited message"}
    group = telegram.message_update(5003, "bonjour")
    group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Groupe"}
    assert post(app, group).json() == {"ignored": "not a private chat"}
    assert messages_of(5003) == []


def test_malformed_bodies_get_a_400(app):
    assert app.post(WEBHOOK, content=b"{not json", headers=HEADERS).status_code == 400
    assert post(app, {"message": {"text": "no update id"}}).status_code == 400
    assert post(app, {"update_id": 1, "message": {"text": "no chat"}}).status_code == 400


def test_a_callback_query_is_answered_and_its_data_is_the_message(app, telegram):
    update = telegram.callback_update(5004, "/affirm")
    assert post(app, update).status_code == 200
    post(app, update)  # a retried delivery: still answered once
    [message] = messages_of(5004)
    assert message.text == "/affirm"
    run_worker()
    answers = telegram.method_calls("answerCallbackQuery")
    assert [a["callback_query_id"] for a in answers] == [update["callback_query"]["id"]]


def test_a_sticker_alone_gets_a_polite_reply_without_the_assistant(app, telegram):
    sticker = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADBAAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    post(app, telegram.message_update(5005, None, sticker=sticker))
    run_worker()
    [sent] = [m for m in telegram.sent if m["chat"]["id"] == 5005]
    assert sent["text"].startswith("Je ne peux pas lire les photos")


# --- sending -----------------------------------------------------------------------------


def test_options_go_out_as_a_reply_keyboard(app, telegram):
    message_id = new_outbound(5006, "Vous travaillez ?", BUTTONS)
    run_worker()
    [sent] = [m for m in telegram.sent if m["chat"]["id"] == 5006]
    assert sent["text"] == "Vous travaillez ?"
    keyboard = sent["reply_markup"]
    assert [[b["text"] for b in row] for row in keyboard["keyboard"]] == [["Oui"], ["Non"]]
    assert keyboard["one_time_keyboard"] and keyboard["resize_keyboard"]
    message = get_message(message_id)
    assert (message.status, message.provider_id) == ("sent", f"5006:{sent['message_id']}")


def test_a_blocked_bot_marks_the_contact_stopped(app, telegram):
    telegram.blocked.add(5007)
    message_id = new_outbound(5007, "Rappel")
    run_worker()
    message = get_message(message_id)
    assert (message.status, message.error_code) == ("failed", "403")
    assert BLOCKED in message.error_detail
    assert contact_of(5007).status == ContactStatus.stopped
    # Writing to the bot again means they unblocked it: reachable again.
    post(app, telegram.message_update(5007, "bonjour"))
    assert contact_of(5007).status == ContactStatus.active


def test_a_stop_keyword_is_not_undone_by_the_next_message(app, telegram):
    post(app, telegram.message_update(5014, "STOP"))
    run_worker()
    reminder = new_outbound(5014, "Rappel : RDV demain")
    run_worker()
    assert get_message(reminder).status == "suppressed"
    post(app, telegram.message_update(5014, "bonjour"))
    assert contact_of(5014).status == ContactStatus.stopped
    [confirmation] = [m for m in telegram.sent if m["chat"]["id"] == 5014]
    assert confirmation["text"].startswith("C'est noté, vous ne recevrez plus")


def test_flood_control_waits_what_telegram_says_then_sends(app, telegram):
    telegram.throttle(retry_after=4)
    message_id = new_outbound(5008, "Bonjour")
    run_worker()
    message = get_message(message_id)
    assert message.status == "retrying"
    with session_scope() as session:
        from backend.models import Task

        task = session.scalar(select(Task).where(Task.kind == "send_message"))
        assert 2 < (task.run_at - utcnow()).total_seconds() <= 4
    make_due()
    run_worker()
    assert get_message(message_id).status == "sent"


# --- linking -----------------------------------------------------------------------------


@pytest.fixture
def seeded(app):
    with session_scope() as session:
        seed(session)
        awa = session.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
        return app, awa.id


def staff(app, email: str) -> dict[str, str]:
    response = app.post(
        "/api/v1/login/access-token", data={"username": email, "password": DEMO_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def issue_link(app, beneficiary_id: int) -> str:
    response = app.post(
        f"/api/v1/beneficiaries/{beneficiary_id}/telegram-link",
        headers=staff(app, "referente@demo.fr"),
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    prefix = f"https://t.me/{BOT_USER['username']}?start="
    assert url.startswith(prefix)
    return url.removeprefix(prefix)


def test_a_referent_link_ties_the_telegram_account_once(seeded, telegram):
    app, awa = seeded
    token = issue_link(app, awa)
    assert post(app, telegram.message_update(5009, f"/start {token}")).status_code == 200
    contact = contact_of(5009)
    assert (contact.beneficiary_id, contact.verified) == (awa, True)
    [message] = messages_of(5009)
    assert message.text == "/start" and token not in str(message.payload)
    assert message.payload["notice"] == "telegram_linked"
    # Single use: someone else opening the same link is not linked.
    post(app, telegram.message_update(5010, f"/start {token}"))
    assert contact_of(5010).beneficiary_id is None
    assert messages_of(5010)[0].payload["notice"] == "link_invalid"


def test_an_expired_link_links_nobody(seeded, telegram):
    app, awa = seeded
    token = issue_link(app, awa)
    with session_scope() as session:
        session.execute(
            update(TelegramLinkToken).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    post(app, telegram.message_update(5011, f"/start {token}"))
    assert contact_of(5011).beneficiary_id is None
    assert messages_of(5011)[0].payload["notice"] == "link_invalid"


def test_links_are_issued_only_by_staff_of_the_persons_structure(seeded):
    app, awa = seeded
    url = f"/api/v1/beneficiaries/{awa}/telegram-link"
    assert app.post(url).status_code == 401
    assert app.post(url, headers=staff(app, "referent.voisin@demo.fr")).status_code == 403
    assert app.post(url, headers=staff(app, "coordinateur@demo.fr")).status_code == 403
    response = app.post(
        "/api/v1/beneficiaries/999999/telegram-link", headers=staff(app, "referente@demo.fr")
    )
    assert response.status_code == 404


def test_an_own_contact_card_links_by_phone_but_not_someone_elses(seeded, telegram):
    app, awa = seeded
    national = DEMO_PHONE.removeprefix("+")  # Telegram sends numbers without the +
    post(app, telegram.contact_update(5012, national, card_user_id=5099))
    assert contact_of(5012).beneficiary_id is None
    assert messages_of(5012)[0].payload["notice"] == "contact_not_own"
    run_worker()  # the refusal is the whole answer: no assistant needed
    [refusal] = [m for m in telegram.sent if m["chat"]["id"] == 5012]
    assert refusal["text"].startswith("Merci d'envoyer votre propre numéro")
    post(app, telegram.contact_update(5012, national, card_user_id=5012))
    contact = contact_of(5012)
    assert (contact.beneficiary_id, contact.verified) == (awa, True)
    post(app, telegram.contact_update(5013, "33699999999", card_user_id=5013))
    assert contact_of(5013).beneficiary_id is None
    assert messages_of(5013)[0].payload["notice"] == "contact_unknown"


def test_make_telegram_webhook_registers_the_webhook_with_the_secret(channels_env, telegram):
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "telegram_webhook.py")],
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert telegram.webhook["url"] == channels_env["PUBLIC_BASE_URL"] + WEBHOOK
    assert telegram.webhook["secret_token"] == SECRET
    assert "edited_message" in telegram.webhook["allowed_updates"]


def test_a_share_contact_button_asks_telegram_for_the_persons_own_number():
    from channels.telegram import SHARE_CONTACT, reply_markup

    markup = reply_markup([{"title": "Partager mon numéro", "payload": SHARE_CONTACT}])
    [[button]] = markup.keyboard
    assert (button.text, button.request_contact) == ("Partager mon numéro", True)
    [[plain]] = reply_markup([{"title": "Oui", "payload": "/affirm"}]).keyboard
    assert not plain.request_contact
    assert reply_markup([]) is None
