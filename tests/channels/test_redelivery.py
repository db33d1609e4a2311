"""Every webhook delivered twice and out of order (providers retry, proxies reorder): each
message is stored once, processed once, and one contact's messages are answered in the
order they first arrived (Telegram's waiting together: in update_id order). Real webhooks,
queue and worker; Rasa a local fake. Both databases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Message
from tests.fakes.rasa import FakeRasa

from .conftest import PUBLIC, SECRET, run_worker

ALICE, BOB = "+33611000401", "+33611000402"


@pytest.fixture
def rasa(monkeypatch) -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    monkeypatch.setenv("RASA_URL", fake.url)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    yield fake
    fake.stop()


def twilio_delivery(client, twilio, params: dict[str, str]) -> None:
    url = "/channels/twilio/inbound"
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + url, params)}
    assert client.post(url, data=params, headers=headers).status_code == 200


def telegram_delivery(client, update: dict) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert (
        client.post("/channels/telegram/webhook", json=update, headers=headers).status_code == 200
    )


def twice_shuffled(deliveries: list, seed: int) -> list:
    """Each delivery twice; the repeats land anywhere after the first copy."""
    order = list(deliveries)
    rng = random.Random(seed)
    for item in deliveries:
        first = order.index(item)
        order.insert(rng.randint(first + 1, len(order)), item)
    return order


def rows(channel: str, address: str) -> list[Message]:
    with session_scope() as session:
        contact = session.scalar(
            select(Contact).where(Contact.channel == channel, Contact.address == address)
        )
        return list(
            session.scalars(
                select(Message).where(Message.contact_id == contact.id).order_by(Message.id)
            )
        )


@pytest.mark.parametrize("seed", [1, 2])
def test_duplicated_and_reordered_twilio_webhooks_are_processed_once_in_order(
    app_any_db, twilio, rasa, seed
):
    texts = {ALICE: ["un", "deux", "trois", "quatre"], BOB: ["a", "b", "c"]}
    deliveries = [
        (number, twilio.inbound_params(number, text))
        for n in range(4)
        for number in (ALICE, BOB)
        if n < len(texts[number])
        for text in [texts[number][n]]
    ]
    order = twice_shuffled(list(range(len(deliveries))), seed)
    for index in order:
        twilio_delivery(app_any_db, twilio, deliveries[index][1])
        run_worker()  # a worker keeps up (else flood control batches what waits)

    for number, expected in texts.items():
        messages = rows("sms", number)
        inbound = [m for m in messages if m.direction == "in"]
        assert [m.text for m in inbound] == expected  # stored once, in first-arrival order
        assert {m.status for m in inbound} == {"processed"}
        turns = [t["message"] for t in rasa.received if t["sender"] == str(inbound[0].contact_id)]
        assert turns == expected  # processed once each, in order
        replies = [m for m in messages if m.direction == "out"]
        assert [r.in_reply_to_id for r in replies] == [m.id for m in inbound]
        assert len(twilio.sent_to(number)) == len(expected)  # one reply each, none twice


def test_duplicated_telegram_updates_are_processed_once_in_order(app_any_db, telegram, rasa):
    updates = [telegram.message_update(6001, text) for text in ("un", "deux", "trois")]
    for index in twice_shuffled([0, 1, 2], seed=3):
        telegram_delivery(app_any_db, updates[index])
        run_worker()
    inbound = [m for m in rows("telegram", "6001") if m.direction == "in"]
    assert [m.text for m in inbound] == ["un", "deux", "trois"]
    assert [t["message"] for t in rasa.received] == ["un", "deux", "trois"]


def test_duplicates_arriving_while_no_worker_runs_are_one_turn(app_any_db, twilio, rasa):
    """With no worker for a while, what waits is one turn (flood control's batching): the
    latest message answered once, the others stored once as batched."""
    params = [twilio.inbound_params(ALICE, text) for text in ("un", "deux", "trois")]
    for index in twice_shuffled([0, 1, 2], seed=4):
        twilio_delivery(app_any_db, twilio, params[index])
    run_worker()
    run_worker()
    inbound = [m for m in rows("sms", ALICE) if m.direction == "in"]
    assert [(m.text, m.status) for m in inbound] == [
        ("un", "batched"),
        ("deux", "batched"),
        ("trois", "processed"),
    ]
    assert [t["message"] for t in rasa.received] == ["trois"]
    assert len(twilio.sent_to(ALICE)) == 1


def test_telegram_updates_waiting_together_take_update_id_order_not_arrival(
    app_any_db, telegram, rasa
):
    """Telegram numbers its updates; two connections (or a retried delivery) may bring them
    in another order. What waits together is taken in update_id order: a STOP then a START
    that arrive reversed leave the person reachable, as they asked last."""
    stop, start = (telegram.message_update(6002, text) for text in ("STOP", "START"))
    for update in (start, stop):  # arrival order: the later update first
        telegram_delivery(app_any_db, update)
    run_worker()
    run_worker()
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "6002"))
        assert contact.status == "active"
    replies = [m for m in rows("telegram", "6002") if m.direction == "out"]
    inbound = {m.id: m.text for m in rows("telegram", "6002") if m.direction == "in"}
    assert [inbound[r.in_reply_to_id] for r in replies] == ["STOP", "START"]


def test_the_last_telegram_update_waiting_is_the_one_answered(app_any_db, telegram, rasa):
    """Flood control's batching answers the person's last word: the highest update_id."""
    updates = [telegram.message_update(6003, text) for text in ("un", "deux", "trois")]
    for index in (2, 0, 1):
        telegram_delivery(app_any_db, updates[index])
    run_worker()
    run_worker()
    run_worker()
    statuses = {m.text: m.status for m in rows("telegram", "6003") if m.direction == "in"}
    assert statuses == {"un": "batched", "deux": "batched", "trois": "processed"}
    assert [t["message"] for t in rasa.received] == ["trois"]
