"""Logs carry ids, never a token, a phone number, a name or a text (issue 12, point 6).
The end-to-end scan of a whole run's logs is tests/e2e/test_logs.py; these are its parts."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.core.logs import install_redaction, redact

TOKEN = "7000000001:AAFakeTokenForTestsOnly_abcdefghijk"
WRITINGS = [
    "+33612345678",
    "0612345678",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "33612345678",
    "+33 6 12 34 56 78",
    "whatsapp:+33612345678",
    "0033612345678",
]


@pytest.mark.parametrize("writing", WRITINGS)
def test_every_writing_of_a_phone_number_is_redacted(writing):
    line = redact(f"contact {writing}, task 12 at 2031-06-10 14:30:00 +0200 from 127.0.0.1:5055")
    assert "612345678" not in line.replace(" ", "").replace(".", "").replace("-", "")
    # What is not personal stays readable.
    assert "task 12" in line and "2031-06-10 14:30:00 +0200" in line and "127.0.0.1:5055" in line


def test_a_bot_token_in_a_url_is_redacted():
    line = redact(f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/sendMessage")
    assert TOKEN not in line and "AAFakeToken" not in line
    assert "/bot[token]/sendMessage" in line


def test_validation_errors_do_not_quote_the_input():
    line = redact("1 validation error [type=int_parsing, input_value='Awa Diallo', input_type=str]")
    assert "Awa" not in line


def test_records_are_redacted_whatever_logs_them(caplog):
    install_redaction()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("some.library").warning("sending to %s: %s", "+33612345678", TOKEN)
    try:
        raise ValueError("bad number 06 12 34 56 78")
    except ValueError:
        logging.getLogger("backend").exception("failed")
    # HTTP clients log every URL (Telegram's holds the token) at INFO: silenced.
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "[phone]" in logged and "[token]" in logged
    assert "612345678" not in logged.replace(" ", "") and TOKEN not in logged
    assert "HTTP Request" not in logged


INSERT_MESSAGE = text(
    "INSERT INTO messages (contact_id, direction, channel, text, status, simulated, payload,"
    " created_at, updated_at) VALUES (:contact, 'in', 'sms', :text, 'received', false, '{}',"
    " :at, :at)"
)
INSERT_CONTACT = text(
    "INSERT INTO contacts (channel, address, status, verified, created_at) VALUES"
    " ('sms', :address, 'active', false, :at)"
)
NOW = "2026-01-01 10:00:00+00:00"


def failure(statement, values) -> DBAPIError:
    from backend.core.db import get_engine

    with pytest.raises(DBAPIError) as failed, get_engine().begin() as connection:
        if statement is INSERT_CONTACT:
            connection.execute(statement, values)
        connection.execute(statement, values)
    return failed.value


def test_database_errors_never_carry_the_statement_parameters(database_url, caplog):
    """Neither SQLAlchemy's message nor PostgreSQL's own (DETAIL: Key (...)=(...)), once
    logged: no text, number or name of a person."""
    install_redaction()
    secret_text = "Je dors chez ma soeur depuis mardi"
    errors = [
        failure(INSERT_MESSAGE, {"contact": 987654321, "text": secret_text, "at": NOW}),
        failure(INSERT_CONTACT, {"address": "+33612345678", "at": NOW}),  # twice: unique
        failure(INSERT_MESSAGE, {"contact": 1, "text": "x", "at": "Awa Diallo"}),
    ]
    for error in errors:
        assert secret_text not in str(error)
        try:
            raise error
        except DBAPIError:
            logging.getLogger("backend.main").exception("unhandled error")
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "hidden due to hide_parameters=True" in logged
    for personal in (secret_text, "612345678", "Awa", "Diallo"):
        assert personal not in logged
