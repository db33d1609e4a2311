"""Each hostile input the probe of issue 12 turned into a 500 (points 4, 5 and 9), on both
databases: now a 4xx with a reason, nothing stored, no traceback in the log."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging

import pytest
from sqlalchemy import func, select

from backend.core.db import session_scope
from backend.models import Appointment, Event, Message, WebhookReceipt
from tests.channels.conftest import PUBLIC, SECRET
from tests.test_rdv_solidarites_webhook import RDV

from .conftest import RDV_SECRET

TWILIO_INBOUND = "/channels/twilio/inbound"
TWILIO_STATUS = "/channels/twilio/status"
TELEGRAM = "/channels/telegram/webhook"
RDV_URL = "/api/v1/integrations/rdv-solidarites/webhook"
DEEP = b"[" * 100_000 + b"]" * 100_000


def count(model) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def no_traceback(caplog):
    """Whatever the test sends, nothing is logged at ERROR (an unhandled error would be)."""
    caplog.set_level(logging.ERROR)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def rdv_post(client, body: bytes, signature: str | bytes | None = None):
    sign = signature or hmac.new(RDV_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        RDV_URL,
        content=body,
        headers={"X-Lapin-Signature": sign, "Content-Type": "application/json"},
    )


def rdv_body(**changes) -> bytes:
    body = copy.deepcopy(RDV)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for key in parents:
            node = node[key]
        if value is ...:
            node.pop(leaf)
        else:
            node[leaf] = value
    return json.dumps(body, ensure_ascii=False).encode()


def telegram_post(client, body: bytes | dict):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        TELEGRAM,
        content=raw,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )


# --- point 4: before authentication ------------------------------------------------------


def test_a_file_part_with_a_twilio_signature_is_a_400(edge, no_traceback):
    response = edge.post(
        TWILIO_INBOUND,
        data={"From": "+33611223344", "Body": "bonjour"},
        files={"MediaUrl0": ("photo.jpg", b"\xff\xd8\xff", "image/jpeg")},
        headers={"X-Twilio-Signature": "anything"},
    )
    assert response.status_code == 400, response.text
    assert "file" in response.text
    assert count(Message) == 0


@pytest.mark.parametrize("signature", [b"\xe9" * 64, "ab\u00e9cd".encode("latin-1")])
def test_a_non_ascii_lapin_signature_is_a_403(edge, no_traceback, signature):
    response = rdv_post(edge, rdv_body(), signature=signature)
    assert response.status_code == 403, response.text
    assert count(WebhookReceipt) == 0


# --- point 5: signed or open bodies ------------------------------------------------------


def telegram_update(telegram, **changes) -> dict:
    update = telegram.message_update(5550001, "bonjour")
    for key, value in changes.items():
        if value is ...:
            update["message"].pop(key)
        else:
            update["message"][key] = value
    return update


@pytest.mark.parametrize(
    "changes",
    [
        {"text": 123},
        {"text": ["bonjour"]},
        {"caption": {"a": 1}, "text": ...},
        {"chat": None},
        {"chat": ...},
        {"date": 1e20},
        {"date": 10**20},
        {"text": "bon\x00jour"},
        {"from": {"id": 10**100, "is_bot": False, "first_name": "A"}},
        {"from": {"id": "5550001", "is_bot": False, "first_name": "A"}},  # point 9
        {"from": {"id": True, "is_bot": False, "first_name": "A"}},
        {"message_id": "x"},
    ],
    ids=lambda c: ",".join(f"{k}={str(v)[:12]}" for k, v in c.items()),
)
def test_a_malformed_telegram_message_is_a_400(edge, telegram, no_traceback, changes):
    response = telegram_post(edge, telegram_update(telegram, **changes))
    assert response.status_code == 400, response.text
    assert count(Message) == 0


def test_a_telegram_message_without_sender_is_ignored(edge, telegram, no_traceback):
    for sender in (None, ...):
        response = telegram_post(edge, telegram_update(telegram, **{"from": sender}))
        assert response.status_code == 200, response.text
        assert "ignored" in response.json()
    assert count(Message) == 0


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        b'{"update_id": NaN}',
        b'{"update_id": 1, "message": Infinity}',
        b'{"update_id": 1e400}',
        b"\xff\xfe",
        b'{"update_id": ' + b"9" * 100 + b"}",
    ],
    ids=["deep", "nan", "infinity", "overflow", "not-utf8", "huge-update-id"],
)
def test_hostile_telegram_json_is_a_400(edge, no_traceback, body):
    assert telegram_post(edge, body).status_code == 400
    assert count(Message) == 0


def test_a_callback_query_without_sender_is_a_400(edge, telegram, no_traceback):
    update = telegram.callback_update(5550001, "oui")
    del update["callback_query"]["from"]
    assert telegram_post(edge, update).status_code == 400
    assert count(Message) == 0


@pytest.mark.parametrize(
    "changes, status",
    [
        ({"data__starts_at": "0001-01-01 00:00:00 +0200"}, 422),
        ({"data__starts_at": "9999-12-31 23:59:59 -1200"}, 422),
        ({"data__id": 10**100}, 422),
        ({"data__id": "x" * 101}, 422),
        ({"data__lieu__name": "L" * 5000}, 422),
        ({"data__users": [{"id": 1, "first_name": "A" * 500}]}, 422),
        ({"data__motif__name": "bon\x00jour"}, 400),
        ({"meta__event": "created\x00"}, 400),
        ({"meta__timestamp": ...}, 422),  # point 9: an event that cannot be ordered
        ({"meta__timestamp": "9999-12-31 23:59:59 -1200"}, 422),
    ],
    ids=lambda v: str(v)[:40],
)
def test_a_signed_rdv_solidarites_body_out_of_range_is_a_4xx(edge, no_traceback, changes, status):
    response = rdv_post(edge, rdv_body(**changes))
    assert response.status_code == status, response.text
    assert count(WebhookReceipt) == 0 and count(Appointment) == 0


@pytest.mark.parametrize(
    "body", [DEEP, b'{"data": {"id": NaN}}', b'{"data": {"duration_in_min": Infinity}}']
)
def test_hostile_rdv_solidarites_json_is_a_400(edge, no_traceback, body):
    assert rdv_post(edge, body).status_code == 400
    assert count(WebhookReceipt) == 0


def test_an_event_without_timestamp_never_revives_a_destroyed_appointment(edge, no_traceback):
    assert rdv_post(edge, rdv_body()).status_code == 200
    destroyed = rdv_body(meta__event="destroyed", meta__timestamp="2031-06-04 09:00:00 +0200")
    assert rdv_post(edge, destroyed).json()["status"] == "applied"
    revive = rdv_body(meta__event="updated", meta__timestamp=..., data__status="unknown")
    assert rdv_post(edge, revive).status_code == 422
    with session_scope() as session:
        statuses = {a.status for a in session.scalars(select(Appointment))}
    assert statuses == {"revoked"}


@pytest.mark.parametrize(
    "changes",
    [{"Body": "bon\x00jour"}, {"MessageSid": "SM" + "x" * 200}, {"From": "+33611223344\x00"}],
    ids=["nul-body", "long-sid", "nul-from"],
)
def test_a_signed_twilio_message_out_of_range_is_a_400(edge, twilio, no_traceback, changes):
    params = twilio.inbound_params("+33611223344", "bonjour") | changes
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + TWILIO_INBOUND, params)}
    response = edge.post(TWILIO_INBOUND, data=params, headers=headers)
    assert response.status_code == 400, response.text
    assert count(Message) == 0


def test_a_replayed_status_callback_is_recorded_once(edge, twilio, no_traceback):
    from tests.channels.conftest import run_worker
    from tests.channels.test_twilio import get_message, new_outbound

    message_id = new_outbound("+33611223352", "Bonjour")
    run_worker()
    [sent] = twilio.sent_to("+33611223352")
    for _ in range(5):
        assert twilio.status_callback(sent["sid"], "delivered", client=edge).status_code == 200
    history = get_message(message_id).payload["delivery"]
    assert [entry["status"] for entry in history] == ["delivered"]


@pytest.mark.parametrize(
    "body",
    [
        {"contact": "+33611223344", "text": "bon\x00jour"},
        {"contact": "+3361122\x003344", "text": "bonjour"},
        {"contact": "x" * 101, "channel": "web", "text": "bonjour"},
        {"contact": "+33611223344", "text": 12},
    ],
)
def test_a_hostile_simulator_body_is_a_422(edge, no_traceback, body):
    assert edge.post("/api/v1/simulate", json=body).status_code == 422
    assert count(Message) == 0


@pytest.mark.parametrize("contact_id", [0, 2**31, 2**63, 10**30])
def test_ids_beyond_the_database_range_are_a_422(edge, bot_headers, no_traceback, contact_id):
    for path in (f"/api/v1/bot/contacts/{contact_id}", f"/api/v1/beneficiaries/{contact_id}"):
        assert edge.get(path, headers=bot_headers).status_code in (401, 422)
    response = edge.get(f"/api/v1/bot/contacts/{contact_id}", headers=bot_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_id"


def test_an_unknown_message_id_from_the_bot_is_a_422(edge, bot_headers, no_traceback):
    from backend.models import Contact

    with session_scope() as session:
        contact = Contact(channel="sms", address="+33611223353")
        session.add(contact)
        session.flush()
        contact_id = contact.id
    for path, body in (
        ("events", {"kind": "seen", "message_id": 424242}),
        ("data-deletion", {"message_id": 424242}),
        ("events", {"kind": "seen", "message_id": 2**40}),
        ("callback-requests", {"message_id": 424242}),
        ("appointments/confirm", {"message_id": 424242}),
        ("prediagnostic/start", {"message_id": 424242}),
    ):
        response = edge.post(
            f"/api/v1/bot/contacts/{contact_id}/{path}", json=body, headers=bot_headers
        )
        assert response.status_code == 422, response.text
    assert count(Event) == 0


def test_an_unexpected_error_is_a_json_500_that_leaks_nothing(edge):
    def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    edge.app.add_api_route("/boom", boom)
    response = edge.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error, it was logged"}
    assert "secret" not in response.text


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_in_the_api_login_is_a_422(edge, no_traceback, field):
    """Found by the fuzz run on PostgreSQL: the e-mail went into a query and PostgreSQL
    refused the NUL with a DataError (a 500)."""
    form = {"username": "referente@demo.fr", "password": "whatever"} | {field: "a\x00b"}
    response = edge.post("/api/v1/login/access-token", data=form)
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["detail"]


def test_a_nul_in_the_login_page_is_refused_politely(edge, no_traceback):
    from backend.web.auth import LOGIN_CSRF_COOKIE
    from tests.web.conftest import csrf_of

    page = edge.get("/connexion")
    edge.cookies.set(LOGIN_CSRF_COOKIE, page.cookies[LOGIN_CSRF_COOKIE])
    response = edge.post(
        "/connexion",
        data={"email": "a\x00@demo.fr", "password": "x", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "incorrect" in response.text
