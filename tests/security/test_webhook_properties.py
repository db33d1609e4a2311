"""Properties of every webhook and of the simulator, under hostile input, on both databases:
never a 5xx; a refused request stores nothing; an accepted one stores its message once.

Bodies are well formed and correctly signed (the test signs what it sends, as Twilio, Telegram
and RDV-Solidarités would), then mutated: a field dropped or given any JSON value, any text
(NUL, RTL, emoji, 200,000 characters), huge ids, deep or broken JSON, wrong content types.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from backend.core.db import session_scope
from backend.models import Appointment, Contact, Event, Message, WebhookReceipt
from tests.channels.conftest import PUBLIC, SECRET
from tests.test_rdv_solidarites_webhook import RDV

from .conftest import RDV_SECRET, record_outcome
from .strategies import (
    content_types,
    fair_texts,
    header_values,
    json_values,
    mutated,
    raw_bodies,
    short_texts,
    texts,
)

TWILIO_INBOUND = "/channels/twilio/inbound"
TWILIO_STATUS = "/channels/twilio/status"
TELEGRAM = "/channels/telegram/webhook"
RDV_URL = "/api/v1/integrations/rdv-solidarites/webhook"
SIMULATE = "/api/v1/simulate"


def count(model, *where) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def stored() -> tuple[int, int, int, int]:
    """Everything a webhook may write."""
    return count(Message), count(Contact), count(WebhookReceipt), count(Appointment)


def assert_not_5xx(response) -> None:
    record_outcome(response.status_code)
    assert response.status_code < 500, (response.status_code, response.text[:300])


# --- Twilio --------------------------------------------------------------------------------

valid_phones = st.sampled_from(
    ["+33611223344", "06 55 44 33 22", "whatsapp:+33611223355", "+33755443322"]
)
phones = st.one_of(valid_phones, valid_phones, valid_phones, texts)
real_sids = st.uuids().map(lambda u: "SM" + u.hex)
twilio_sids = st.one_of(real_sids, real_sids, real_sids, real_sids, short_texts)


@st.composite
def twilio_inbound(draw) -> dict[str, str]:
    plausible = draw(st.booleans())  # half plausible, half anything (then mutated)
    params = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": draw(real_sids if plausible else twilio_sids),
        "From": draw(valid_phones if plausible else phones),
        "To": "+33700000000",
        "Body": draw(fair_texts if plausible else texts),
        "NumMedia": draw(st.sampled_from(["0", "1", "x", "99999999999999999999"])),
    }
    params.update(draw(st.dictionaries(short_texts, fair_texts, max_size=2)))
    return params


def test_twilio_inbound_signed_bodies(edge, twilio, budget):
    @budget.examples(40)
    @given(params=mutated(twilio_inbound(), replacements=texts))
    def signed(params: dict[str, str]) -> None:
        before = stored()
        headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + TWILIO_INBOUND, params)}
        response = edge.post(TWILIO_INBOUND, data=params, headers=headers)
        assert_not_5xx(response)
        if response.status_code == 200:
            sid = params.get("MessageSid") or params.get("SmsSid")
            channel = "whatsapp" if params["From"].startswith("whatsapp:") else "sms"
            where = (Message.provider_id == sid, Message.channel == channel)
            assert count(Message, Message.direction == "in", *where) == 1
        else:
            assert stored() == before

    signed()


def test_twilio_any_body_any_content_type_any_signature(edge, budget):
    @budget.examples(40)
    @given(
        body=raw_bodies,
        content_type=content_types,
        signature=header_values,
        path=st.sampled_from([TWILIO_INBOUND, TWILIO_STATUS]),
        with_file=st.booleans(),
    )
    def anything(body, content_type, signature, path, with_file) -> None:
        before = stored()
        headers = {"X-Twilio-Signature": signature}
        if with_file:  # a real multipart body with a file part
            response = edge.post(
                path, data={"Body": "x"}, files={"f": ("a.bin", body)}, headers=headers
            )
        else:
            response = edge.post(
                path, content=body, headers=headers | {"Content-Type": content_type}
            )
        assert_not_5xx(response)
        assert response.status_code in (400, 403, 413, 415, 422), response.status_code
        assert stored() == before

    anything()


def test_twilio_status_signed_bodies(edge, twilio, budget):
    with session_scope() as session:
        contact = Contact(channel="sms", address="+33611220000")
        session.add(contact)
        session.flush()
        session.add(
            Message(
                contact_id=contact.id,
                direction="out",
                channel="sms",
                text="Bonjour",
                provider_id="SMknown",
                status="sent",
            )
        )

    @st.composite
    def callbacks(draw) -> dict[str, str]:
        status = draw(st.sampled_from(["queued", "sent", "delivered", "failed", "read"]) | texts)
        params = {
            "MessageSid": draw(st.sampled_from(["SMknown", "SMother"]) | twilio_sids),
            "MessageStatus": status,
            "To": "+33611220000",
        }
        if draw(st.booleans()):
            params["ErrorCode"] = draw(st.sampled_from(["30003", "21610"]) | short_texts)
        return params

    @budget.examples(40)
    @given(params=mutated(callbacks(), replacements=texts))
    def signed(params: dict[str, str]) -> None:
        events, before = count(Event), stored()
        headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + TWILIO_STATUS, params)}
        response = edge.post(TWILIO_STATUS, data=params, headers=headers)
        assert_not_5xx(response)
        if response.status_code != 200:
            assert (count(Event), stored()) == (events, before)
        with session_scope() as session:
            known = session.scalar(select(Message).where(Message.provider_id == "SMknown"))
            history = (known.payload or {}).get("delivery") or []
        # A replayed callback is recorded once.
        keys = [(entry["status"], entry["error_code"]) for entry in history]
        assert len(keys) == len(set(keys))

    signed()


# --- Telegram ------------------------------------------------------------------------------

user_ids = st.integers(min_value=1, max_value=2**52)


@st.composite
def telegram_updates(draw) -> dict:
    user_id = draw(user_ids)
    user = {"id": user_id, "is_bot": False, "first_name": draw(short_texts)}
    update_id = draw(st.integers(min_value=0, max_value=2**40))
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        query = {"id": draw(short_texts), "from": user, "chat_instance": "1"}
        query["data"] = draw(texts)
        return {"update_id": update_id, "callback_query": query}
    chat_type = draw(st.sampled_from(["private", "private", "private", "group"]))
    message = {
        "message_id": draw(st.integers(min_value=1, max_value=2**31)),
        "from": user,
        "chat": {"id": user_id, "type": chat_type, "first_name": "Awa"},
        "date": draw(st.integers(min_value=1_500_000_000, max_value=2_000_000_000)),
    }
    kind = draw(st.sampled_from(["text", "text", "caption", "contact", "photo"]))
    if kind == "text":
        message["text"] = draw(texts)
    elif kind == "caption":
        message["caption"] = draw(texts)
        message["photo"] = [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
    elif kind == "contact":
        phone = draw(st.sampled_from(["+33612345678", "0612345678"]) | short_texts)
        message["contact"] = {"phone_number": phone, "first_name": "A", "user_id": user_id}
    else:
        message["photo"] = [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
    key = draw(st.sampled_from(["message", "message", "message", "edited_message"]))
    return {"update_id": update_id, key: message}


def post_telegram(client, raw: bytes, content_type: str = "application/json"):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": content_type}
    return client.post(TELEGRAM, content=raw, headers=headers)


def test_telegram_updates_with_the_secret(edge, budget):
    @budget.examples(40)
    @given(update=mutated(telegram_updates()))
    def with_secret(update) -> None:
        before = stored()
        response = post_telegram(edge, json.dumps(update).encode())
        assert_not_5xx(response)
        accepted = response.status_code == 200 and not response.content
        if accepted:
            provider_id = str(update["update_id"])
            where = (Message.provider_id == provider_id, Message.channel == "telegram")
            assert count(Message, *where) == 1
        elif response.status_code != 200:
            assert stored() == before

    with_secret()


def test_telegram_any_body_with_and_without_the_secret(edge, budget):
    @budget.examples(40)
    @given(body=raw_bodies, content_type=content_types, secret=st.booleans())
    def anything(body, content_type, secret) -> None:
        before = stored()
        if secret:
            response = post_telegram(edge, body, content_type)
        else:
            response = edge.post(TELEGRAM, content=body, headers={"Content-Type": content_type})
        assert_not_5xx(response)
        if response.status_code != 200:
            assert stored() == before

    anything()


# --- RDV-Solidarités -----------------------------------------------------------------------

valid_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S +0200")
)
times = st.one_of(
    *[valid_times] * 8,
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S") + " +0200"),
    st.sampled_from(
        [
            "0001-01-01 00:00:00 +0200",
            "9999-12-31 23:59:59 -1200",
            "2031-06-10T14:30:00Z",
            "2031-06-10 14:30:00",
            "demain",
        ]
    ),
    short_texts,
)


# Several fields per event: each mostly plausible, so that some events are applied.


@st.composite
def rdv_events(draw) -> dict:
    body = copy.deepcopy(RDV)
    data, meta = body["data"], body["meta"]
    plain_id = st.integers(min_value=0, max_value=10**6)
    data["id"] = draw(st.one_of(plain_id, plain_id, plain_id, st.integers(max_value=2**70), texts))
    data["starts_at"] = draw(times)
    data["motif"]["name"] = draw(fair_texts)
    data["lieu"]["address"] = draw(fair_texts)
    data["status"] = draw(st.sampled_from(["unknown", "seen", "revoked", "excused"]) | texts)
    data["users"][0]["phone_number"] = draw(st.sampled_from(["06 12 34 56 78", ""]) | texts)
    data["users"][1]["last_name"] = draw(fair_texts)
    meta["event"] = draw(st.sampled_from(["created", "updated", "destroyed", "deleted"]))
    meta["model"] = draw(st.sampled_from(["Rdv", "Rdv", "Rdv", "User"]))
    meta["timestamp"] = draw(times)
    return body


def post_rdv(client, raw: bytes, signature: bytes | None = None):
    sign = signature or hmac.new(RDV_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Lapin-Signature": sign, "Content-Type": "application/json"}
    return client.post(RDV_URL, content=raw, headers=headers)


def test_rdv_solidarites_signed_events(edge, budget):
    @budget.examples(40)
    @given(body=mutated(rdv_events()))
    def signed(body) -> None:
        before = stored()
        raw = json.dumps(body, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )  # lone surrogates too
        response = post_rdv(edge, raw)
        assert_not_5xx(response)
        if response.status_code == 200:
            digest = hashlib.sha256(raw).hexdigest()
            assert count(WebhookReceipt, WebhookReceipt.body_sha256 == digest) == 1
        else:
            assert stored() == before

    signed()


def test_rdv_solidarites_any_body_signed_or_not(edge, budget):
    @budget.examples(40)
    @given(body=raw_bodies, signature=st.none() | header_values)
    def anything(body, signature) -> None:
        before = stored()
        response = post_rdv(edge, body, signature)
        assert_not_5xx(response)
        if response.status_code != 200:
            assert stored() == before

    anything()


# --- the simulator -------------------------------------------------------------------------


@st.composite
def simulations(draw) -> dict:
    channel = draw(st.sampled_from(["sms", "whatsapp", "telegram", "web"]))
    contact = draw(phones) if channel in ("sms", "whatsapp") else draw(fair_texts)
    return {"contact": contact, "channel": channel, "text": draw(fair_texts)}


def test_simulator_bodies(edge, budget):
    @budget.examples(40)
    @given(body=st.one_of(*[mutated(simulations())] * 3, json_values))
    def simulate(body) -> None:
        inbound = (Message.direction == "in",)
        before, received = stored(), count(Message, *inbound)
        headers = {"Content-Type": "application/json"}
        response = edge.post(SIMULATE, content=json.dumps(body).encode(), headers=headers)
        assert_not_5xx(response)
        if response.status_code == 200:
            assert count(Message, *inbound) == received + 1
            assert response.json()["replies"]
        else:
            assert stored() == before

    simulate()


def test_simulator_any_body(edge, budget):
    @budget.examples(30)
    @given(body=raw_bodies, content_type=content_types)
    def anything(body, content_type) -> None:
        before = stored()
        response = edge.post(SIMULATE, content=body, headers={"Content-Type": content_type})
        assert_not_5xx(response)
        assert stored() == before

    anything()
