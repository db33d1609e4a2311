"""What a Twilio webhook costs before it is acknowledged (issue 13): a new person's message is
stored in a few statements, the contact written once with the time they wrote."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from backend.core.db import get_engine, session_scope
from backend.models import Beneficiary, Contact, Message, Task

from .conftest import PUBLIC

INBOUND = "/channels/twilio/inbound"


def post(app, twilio, number: str, sid: str | None = None):
    params = twilio.inbound_params(number, "Bonjour", sid=sid)
    headers = {"X-Twilio-Signature": twilio.sign(PUBLIC + INBOUND, params)}
    return app.post(INBOUND, data=params, headers=headers), params["MessageSid"]


def test_a_new_person_is_stored_in_a_few_statements(app, twilio):
    post(app, twilio, "+33611000801")  # warm: the first request builds caches
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split(None, 1)[0])

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        response, _sid = post(app, twilio, "+33611000802")
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert response.status_code == 200
    # The dedupe lookup, then three INSERTs: the contact (its lookup, its phone owner and the
    # time they wrote inside the one statement), the message and its task, each refusing a
    # duplicate by ON CONFLICT rather than inside a savepoint; no UPDATE of the contact just
    # inserted, no second lookup of it, no lookup of a task that cannot exist yet.
    assert "UPDATE" not in statements, statements
    assert "SAVEPOINT" not in statements, statements
    assert statements.count("SELECT") == 1, statements
    assert statements.count("INSERT") == 3, statements
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33611000802"))
        assert contact.last_inbound_at is not None


def test_a_known_person_gets_last_inbound_at_and_a_repeat_queues_nothing(app_any_db, twilio):
    post(app_any_db, twilio, "+33611000803")
    with session_scope() as session:
        first = session.scalar(select(Contact).where(Contact.address == "+33611000803"))
        before = first.last_inbound_at
    _response, sid = post(app_any_db, twilio, "+33611000803")
    post(app_any_db, twilio, "+33611000803", sid=sid)  # Twilio's retry of the same message
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == "+33611000803"))
        assert contact.last_inbound_at > before
        messages = session.scalars(select(Message.id).where(Message.contact_id == contact.id))
        ids = list(messages)
        tasks = session.scalars(select(Task.payload).where(Task.key == f"contact:{contact.id}"))
        assert len(ids) == 2
        assert sorted(t["message_id"] for t in tasks) == sorted(ids)


def test_a_new_number_of_a_beneficiary_is_linked_in_the_one_insert(app_any_db, twilio):
    """The owner lookup runs inside the contact's INSERT: on both engines a new WhatsApp
    number that a beneficiary's SMS contact has is linked, verified as that one is, and an
    existing contact keeps its link when they write again."""
    with session_scope() as session:
        beneficiary = Beneficiary(first_name="Awa", last_name="Test")
        session.add(beneficiary)
        session.flush()
        session.add(
            Contact(
                channel="sms", address="+33611000804", beneficiary_id=beneficiary.id, verified=True
            )
        )
        beneficiary_id = beneficiary.id
    post(app_any_db, twilio, "whatsapp:+33611000804")
    post(app_any_db, twilio, "whatsapp:+33611000804")
    post(app_any_db, twilio, "+33611000805")
    with session_scope() as session:
        whatsapp = session.scalars(
            select(Contact).where(Contact.channel == "whatsapp", Contact.address == "+33611000804")
        ).one()
        unknown = session.scalars(select(Contact).where(Contact.address == "+33611000805")).one()
        assert (whatsapp.beneficiary_id, whatsapp.verified) == (beneficiary_id, True)
        assert (unknown.beneficiary_id, unknown.verified) == (None, False)


def test_a_retry_racing_the_first_delivery_is_stored_once(channels_env, database_url):
    """Twilio's retry reaching the other backend while the first delivery is not committed
    yet: the second INSERT waits on the first one's row and stores nothing (PostgreSQL; on
    SQLite writes never overlap)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite one write at a time: no race")
    from backend.core.db import get_sessionmaker
    from channels.base import Inbound
    from channels.pipeline import enqueue_processing, store_inbound

    inbound = Inbound(channel="sms", address="+33611000806", text="Bonjour", provider_id="SMrace1")
    first = get_sessionmaker()()
    message, _contact, created = store_inbound(first, inbound)
    assert created
    enqueue_processing(first, message, commit=False, new=True)
    outcome: list[tuple[int, bool]] = []

    def retry() -> None:
        with session_scope() as second:
            duplicate, _contact, again = store_inbound(second, inbound)
            if again:
                enqueue_processing(second, duplicate, commit=False, new=True)
            outcome.append((duplicate.id, again))

    thread = threading.Thread(target=retry)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # waiting on the first delivery's row
    first.commit()
    first.close()
    thread.join(10)
    assert outcome == [(message.id, False)]
    with session_scope() as session:
        stored = session.scalars(select(Message.id).where(Message.provider_id == "SMrace1"))
        assert list(stored) == [message.id]
        assert len(session.scalars(select(Task.id)).all()) == 1


def test_a_webhook_answer_says_the_backends_own_time_other_answers_do_not(app, twilio):
    """bench/load.py tells the backend's time from the network's and the proxy's with it."""
    response, _sid = post(app, twilio, "+33611000809")
    assert response.status_code == 200
    name, _, duration = response.headers["server-timing"].partition(";dur=")
    assert name == "app" and float(duration) > 0
    refused = app.post(INBOUND, data={"Body": "x"})  # unsigned: refused, still timed
    assert refused.status_code == 403 and "server-timing" in refused.headers
    assert "server-timing" not in app.get("/healthz").headers
