"""Twilio SMS and WhatsApp: signed webhooks in, the official client out to a fake Twilio."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.core.db import session_scope
from backend.models import Contact, ContactStatus, Event, Message, Task, utcnow
from backend.seed import DEMO_PHONE, seed
from backend.services.outbox import queue_outbound
from channels.rendering import render
from channels.twilio import EMPTY_TWIML

from .conftest import PUBLIC, SMS_FROM, make_client, make_due, run_worker

INBOUND = "/channels/twilio/inbound"
STATUS = "/channels/twilio/status"


def post_inbound(app, twilio, params, signed_url: str = PUBLIC + INBOUND, signature=None):
    headers = {"X-Twilio-Signature": signature or twilio.sign(signed_url, params)}
    return app.post(INBOUND, data=params, headers=headers)


def inbound_messages(address: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Contact, Contact.id == Message.contact_id)
                .where(Contact.address == address, Message.direction == "in")
                .order_by(Message.id)
            )
        )


def tasks_of(kind: str) -> list[Task]:
    with session_scope() as session:
        return list(session.scalars(select(Task).where(Task.kind == kind).order_by(Task.id)))


def new_outbound(address: str, text: str, channel: str = "sms", **contact_fields) -> int:
    with session_scope() as session:
        contact = session.scalar(
            select(Contact).where(Contact.channel == channel, Contact.address == address)
        )
        if contact is None:
            contact = Contact(channel=channel, address=address, **contact_fields)
            session.add(contact)
            session.flush()
        [rendered] = render([{"text": text}], channel)
        return queue_outbound(session, contact, rendered).id


def get_message(message_id: int) -> Message:
    with session_scope() as session:
        return session.get(Message, message_id)


# --- inbound webhook ---------------------------------------------------------------------


def test_a_signed_sms_is_persisted_and_acknowledged_with_empty_twiml(app_any_db, twilio):
    params = twilio.inbound_params("+33611223344", "Bonjour, j’ai un RDV ?")
    response = post_inbound(app_any_db, twilio, params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text == EMPTY_TWIML
    [message] = inbound_messages("+33611223344")
    assert (message.channel, message.text, message.status) == (
        "sms",
        "Bonjour, j’ai un RDV ?",
        "received",
    )
    assert message.provider_id == params["MessageSid"]
    [task] = tasks_of("process_inbound")
    assert task.payload == {"message_id": message.id} and task.status == "pending"


def test_forged_or_unsigned_requests_are_refused_and_not_stored(app, twilio):
    params = twilio.inbound_params("+33611223345", "bonjour")
    # No signature, a wrong one, one made with another auth token, one for the internal URL
    # (behind a proxy Twilio signs the public one), a body changed after signing.
    assert app.post(INBOUND, data=params).status_code == 403
    assert post_inbound(app, twilio, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert (
        post_inbound(app, twilio, params, signed_url="http://testserver" + INBOUND).status_code
        == 403
    )
    tampered = twilio.sign(PUBLIC + INBOUND, params)
    forged = app.post(
        INBOUND, data={**params, "Body": "STOP"}, headers={"X-Twilio-Signature": tampered}
    )
    assert forged.status_code == 403
    assert inbound_messages("+33611223345") == []
    # A JSON body is not what Twilio sends: no valid signature either.
    assert app.post(INBOUND, json=params).status_code == 403


def test_a_replayed_message_sid_is_processed_once_even_after_a_restart(app_any_db, twilio):
    params = twilio.inbound_params("+33611223346", "bonjour")
    for _ in range(3):
        assert post_inbound(app_any_db, twilio, params).status_code == 200
    with make_client() as restarted:  # a new process on the same database
        assert post_inbound(restarted, twilio, params).status_code == 200
    assert len(inbound_messages("+33611223346")) == 1
    assert len(tasks_of("process_inbound")) == 1


def test_malformed_signed_webhooks_get_a_400_with_the_reason(app, twilio):
    missing = twilio.inbound_params("+33611223347", "bonjour")
    del missing["From"]
    response = post_inbound(app, twilio, missing)
    assert response.status_code == 400 and "From" in response.text
    bad_number = twilio.inbound_params("12", "bonjour")
    response = post_inbound(app, twilio, bad_number)
    assert response.status_code == 400 and "phone number" in response.text


def test_twilio_routes_answer_404_when_twilio_is_not_configured(sqlite_url, twilio):
    with make_client() as unconfigured:
        params = twilio.inbound_params("+33611223348", "bonjour")
        assert post_inbound(unconfigured, twilio, params).status_code == 404


def test_a_photo_alone_gets_a_polite_reply_without_the_assistant(app, twilio):
    params = twilio.inbound_params("+33611223349", "", media=["image/jpeg"])
    assert post_inbound(app, twilio, params).status_code == 200
    [message] = inbound_messages("+33611223349")
    assert message.payload["media"][0]["content_type"] == "image/jpeg"
    run_worker()  # RASA_URL points nowhere: this must not need Rasa
    [sent] = twilio.sent_to("+33611223349")
    assert sent["body"].startswith("Je ne peux pas lire les photos")
    assert sent["from"] == SMS_FROM
    empty = twilio.inbound_params("+33611223349", "   ")
    post_inbound(app, twilio, empty)
    run_worker()
    assert twilio.sent_to("+33611223349")[-1]["body"].startswith("Votre message est vide.")


def test_stop_by_sms_stops_the_contact_and_confirms_once(app, twilio):
    post_inbound(app, twilio, twilio.inbound_params("+33611223350", "Arrêt"))
    run_worker()
    [confirmation] = twilio.sent_to("+33611223350")
    assert confirmation["body"].startswith("C'est noté, vous ne recevrez plus de messages.")
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33611223350"))
        assert contact.status == ContactStatus.stopped
    reminder = new_outbound("+33611223350", "Rappel : RDV demain")
    run_worker()
    assert get_message(reminder).status == "suppressed"
    assert len(twilio.sent_to("+33611223350")) == 1


# --- sending through the REST API, status callbacks --------------------------------------


def test_a_reply_goes_out_through_the_rest_api_and_its_statuses_are_recorded(app, twilio):
    message_id = new_outbound("+33611223351", "L’entretien est à 14 h.")
    run_worker()
    [sent] = twilio.sent_to("+33611223351")
    assert sent["params"]["Body"] == "L'entretien est à 14 h."  # folded to GSM-7
    assert sent["params"]["From"] == SMS_FROM
    assert sent["params"]["StatusCallback"] == PUBLIC + STATUS
    message = get_message(message_id)
    assert (message.status, message.provider_id) == ("sent", sent["sid"])
    for status in ("queued", "sent", "delivered"):
        assert twilio.status_callback(sent["sid"], status, client=app).status_code == 200
    # A late "sent" (callbacks may arrive out of order, or be replayed) does not move it
    # backwards, and a status already recorded is not recorded twice.
    twilio.status_callback(sent["sid"], "sent", client=app)
    message = get_message(message_id)
    assert message.status == "delivered"
    assert [d["status"] for d in message.payload["delivery"]] == ["queued", "sent", "delivered"]


def test_a_failed_delivery_is_recorded_with_its_error_code(app, twilio):
    message_id = new_outbound("+33611223352", "Bonjour")
    run_worker()
    [sent] = twilio.sent_to("+33611223352")
    twilio.status_callback(sent["sid"], "undelivered", error_code=30003, client=app)
    message = get_message(message_id)
    assert (message.status, message.error_code) == ("failed", "30003")


def test_status_callbacks_must_be_signed(app, twilio):
    new_outbound("+33611223353", "Bonjour")
    run_worker()
    [sent] = twilio.sent_to("+33611223353")
    url, params = twilio.status_params(sent["sid"], "delivered")
    response = app.post(url, data=params, headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
    assert response.status_code == 403
    assert app.post(url, data=params).status_code == 403


def test_error_21610_marks_the_contact_stopped(app, twilio):
    twilio.opted_out.add("+33611223354")
    message_id = new_outbound("+33611223354", "Bonjour")
    run_worker()
    message = get_message(message_id)
    assert (message.status, message.error_code) == ("failed", "21610")
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33611223354"))
        assert contact.status == ContactStatus.stopped
        assert (
            session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.contact_id == contact.id, Event.kind == "contact_opt_out")
            )
            == 1
        )
    assert twilio.attempts == 1  # not retried
    assert [t.status for t in tasks_of("send_message")] == ["done"]


def test_throttling_is_retried_with_growing_backoff_then_sent(app, twilio):
    twilio.throttle(times=2)
    message_id = new_outbound("+33611223355", "Bonjour")
    delays = []
    for _ in range(2):
        run_worker()
        assert get_message(message_id).status == "retrying"
        [task] = tasks_of("send_message")
        delays.append((task.run_at - utcnow()).total_seconds())
        make_due()
    run_worker()
    assert get_message(message_id).status == "sent"
    assert 1 < delays[0] < delays[1] <= 6
    assert twilio.attempts == 3 and len(twilio.sent_to("+33611223355")) == 1


def test_server_errors_are_retried_three_times_then_stay_visible_as_failed(app, twilio):
    twilio.server_error(times=10)
    message_id = new_outbound("+33611223356", "Bonjour")
    for _ in range(6):
        run_worker()
        make_due()
    message = get_message(message_id)
    assert message.status == "failed"
    assert message.error_code == "20500" and "500" in message.error_detail
    assert twilio.attempts == 4  # the first try and three retries
    assert twilio.sent_to("+33611223356") == []


def test_an_invalid_number_is_not_retried(app, twilio):
    twilio.fail_next(400, 21211, "The 'To' number +33611223399 is not a valid phone number.")
    message_id = new_outbound("+33611223399", "Bonjour")
    run_worker()
    message = get_message(message_id)
    assert (message.status, message.error_code) == ("failed", "21211")
    assert "not a valid phone number" in message.error_detail
    assert twilio.attempts == 1


# --- WhatsApp ----------------------------------------------------------------------------


def test_whatsapp_inbound_is_its_own_contact_with_the_e164_address(app, twilio):
    params = twilio.inbound_params("whatsapp:+33611223357", "bonjour", to="whatsapp:+33700000001")
    assert post_inbound(app, twilio, params).status_code == 200
    [message] = inbound_messages("+33611223357")
    assert message.channel == "whatsapp"


def whatsapp_contact_at(hours_ago: float) -> dict:
    return {"last_inbound_at": utcnow() - timedelta(hours=hours_ago)}


def test_whatsapp_inside_the_24h_window_sends_free_text(app, twilio):
    message_id = new_outbound(
        "+33611223358", "Vous êtes inscrit.", "whatsapp", **whatsapp_contact_at(23)
    )
    run_worker()
    [sent] = twilio.sent_to("whatsapp:+33611223358")
    assert sent["params"]["From"] == "whatsapp:+33700000001"
    assert sent["params"]["Body"] == "Vous êtes inscrit."  # WhatsApp is not GSM-7
    assert "ContentSid" not in sent["params"]
    assert get_message(message_id).status == "sent"


def new_menu(address: str, text: str, titles: list[str]) -> int:
    with session_scope() as session:
        contact = Contact(channel="whatsapp", address=address, **whatsapp_contact_at(1))
        session.add(contact)
        session.flush()
        buttons = [{"title": t, "payload": str(i)} for i, t in enumerate(titles, start=1)]
        [rendered] = render([{"text": text, "buttons": buttons}], "whatsapp")
        return queue_outbound(session, contact, rendered).id


def test_whatsapp_options_become_quick_reply_buttons_when_a_template_is_set(
    app, twilio, monkeypatch
):
    monkeypatch.setenv("TWILIO_WHATSAPP_QUICK_REPLY_SIDS", "2:HX" + "2" * 32 + ",3:HX" + "3" * 32)
    monkeypatch.setenv("TWILIO_WHATSAPP_LIST_SID", "HX" + "9" * 32)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    new_menu("+33611223370", "On commence ?", ["Oui", "Non"])
    long_id = new_menu("+33611223371", "Votre niveau ?", [f"Niveau {i}" for i in range(1, 8)])
    run_worker()
    [quick] = twilio.sent_to("whatsapp:+33611223370")
    assert quick["params"]["ContentSid"] == "HX" + "2" * 32
    assert json.loads(quick["params"]["ContentVariables"]) == {
        "1": "On commence ?",
        "2": "Oui",
        "3": "Non",
    }
    assert "Body" not in quick["params"]  # the options are not numbered a second time
    [picker] = twilio.sent_to("whatsapp:+33611223371")
    assert picker["params"]["ContentSid"] == "HX" + "9" * 32
    assert json.loads(picker["params"]["ContentVariables"])["8"] == "Niveau 7"
    assert get_message(long_id).payload["sent_as"] == "buttons"


def test_whatsapp_options_are_a_text_list_numbered_once_without_a_template(app, twilio):
    new_menu("+33611223372", "On commence ?", ["Oui", "Non"])
    run_worker()
    [sent] = twilio.sent_to("whatsapp:+33611223372")
    assert sent["params"]["Body"] == "On commence ?\n1 Oui\n2 Non\nRépondez 1 ou 2"


def test_whatsapp_outside_the_window_uses_the_approved_template(app, twilio, monkeypatch):
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATE_SID", "HX" + "0" * 32)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    message_id = new_outbound(
        "+33611223359", "Votre RDV est demain.", "whatsapp", **whatsapp_contact_at(25)
    )
    run_worker()
    [sent] = twilio.sent_to("whatsapp:+33611223359")
    assert sent["params"]["ContentSid"] == "HX" + "0" * 32
    assert sent["params"]["ContentVariables"] == '{"1": "Votre RDV est demain."}'
    assert "Body" not in sent["params"]
    message = get_message(message_id)
    assert (message.status, message.payload["sent_as"]) == ("sent", "template")


def test_whatsapp_outside_the_window_falls_back_to_sms_when_configured(app, twilio, monkeypatch):
    monkeypatch.setenv("TWILIO_WHATSAPP_OUTSIDE_WINDOW", "sms")
    from backend.core.config import get_settings

    get_settings.cache_clear()
    message_id = new_outbound("+33611223360", "Vous êtes inscrit.", "whatsapp")  # never wrote
    run_worker()
    assert twilio.sent_to("whatsapp:+33611223360") == []
    [sms] = twilio.sent_to("+33611223360")
    assert sms["params"]["From"] == SMS_FROM
    assert sms["params"]["Body"] == "Vous etes inscrit."  # an SMS: folded to GSM-7
    message = get_message(message_id)
    assert (message.status, message.payload["sent_as"]) == ("sent", "sms")
    twilio.status_callback(sms["sid"], "delivered", client=app)
    assert get_message(message_id).status == "delivered"


def test_whatsapp_outside_the_window_without_a_template_fails_visibly(app, twilio):
    message_id = new_outbound("+33611223361", "Bonjour", "whatsapp", **whatsapp_contact_at(30))
    run_worker()
    message = get_message(message_id)
    assert (message.status, message.error_code) == ("failed", "no_template")
    assert twilio.attempts == 0


# --- identity ----------------------------------------------------------------------------


@pytest.fixture
def seeded(app):
    with session_scope() as session:
        seed(session)
    return app


def test_a_known_number_on_whatsapp_is_linked_to_its_beneficiary(seeded, twilio):
    params = twilio.inbound_params(f"whatsapp:{DEMO_PHONE}", "bonjour")
    assert post_inbound(seeded, twilio, params).status_code == 200
    with session_scope() as session:
        sms = session.scalar(
            select(Contact).where(Contact.channel == "sms", Contact.address == DEMO_PHONE)
        )
        whatsapp = session.scalar(
            select(Contact).where(Contact.channel == "whatsapp", Contact.address == DEMO_PHONE)
        )
        assert whatsapp.beneficiary_id == sms.beneficiary_id is not None
        assert whatsapp.verified


def test_an_unknown_number_stays_pending_identification(seeded, twilio):
    params = twilio.inbound_params("0611223362", "bonjour")  # national format: region FR
    assert post_inbound(seeded, twilio, params).status_code == 200
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33611223362"))
        assert contact.beneficiary_id is None and not contact.verified


def test_every_rest_call_of_the_official_client_goes_to_twilio_api_base_url(app, twilio):
    from channels.registry import get_channel

    new_outbound("+33611223363", "Bonjour")
    run_worker()
    [sent] = twilio.sent_to("+33611223363")
    client = get_channel("sms").client
    fetched = client.messages(sent["sid"]).fetch()  # another endpoint, same redirection
    assert (fetched.sid, fetched.status, fetched.to) == (sent["sid"], "queued", "+33611223363")
