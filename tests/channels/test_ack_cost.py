"""What a Twilio webhook costs before it is acknowledged (issue 13): a new person's message is
stored in a few statements, the contact written once with the time they wrote."""

from __future__ import annotations

from sqlalchemy import event, select

from backend.core.db import get_engine, session_scope
from backend.models import Contact, Message, Task

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
    # Dedupe lookup, contact lookup and phone owner, three INSERTs: no UPDATE of the contact
    # just inserted, no second lookup of it, no lookup of a task that cannot exist yet.
    assert "UPDATE" not in statements, statements
    assert statements.count("SELECT") == 3, statements
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
