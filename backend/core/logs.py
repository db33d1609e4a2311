"""Logging for every process (backend, worker, action server): quiet HTTP clients, and a
safety net that redacts phone numbers and bot tokens from every record.

Logs carry ids, never a token, a phone number, a name or a message text: the code logs ids,
and this net catches what slips through (an exception message, a library's URL). Standard
library only: the action server (Rasa's Python) imports it too.
"""

from __future__ import annotations

import logging
import os
import re

# Telegram bot tokens ("123456789:AA..."), wherever they appear (a Bot API URL, say).
BOT_TOKEN = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")
# Phone numbers in any usual writing: +33 6 12 34 56 78, 0612345678, 06.12.34.56.78,
# 33612345678, whatsapp:+336..., 6 12 34 56 78 (9+ digits, separators allowed).
# Not a date ("2031-06-10 14:30" has ten digits too).
PHONE = re.compile(r"(?<![\w.])(?!\d{4}-\d\d-\d\d)(?:\+|00)?\d(?:[ .-]?\d){8,14}(?!\w)")
# What pydantic's validation errors quote of the input (a name, a message text...).
INPUT_VALUE = re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]\n]*)")
# What PostgreSQL's own error messages quote of the values: "Key (channel, address)=(sms,
# +336...) already exists", 'invalid input syntax for type integer: "Awa"'.
PG_KEY_VALUES = re.compile(r"(Key \([^)]*\)=\().*?(\) (?:already exists|is not present|conflicts))")
PG_QUOTED_INPUT = re.compile(r'((?:for type|for encoding) [\w ]+: )"(?:[^"\\]|\\.)*"')
# Libraries that log full URLs (with the bot token) or request details at INFO.
NOISY = ("httpx", "httpcore", "twilio.http_client", "urllib3", "telegram", "apscheduler")


def redact(text: str) -> str:
    text = INPUT_VALUE.sub("input_value=[hidden]", text)
    text = PG_KEY_VALUES.sub(r"\1[hidden]\2", text)
    text = PG_QUOTED_INPUT.sub(r'\1"[hidden]"', text)
    text = BOT_TOKEN.sub("[token]", text)
    return PHONE.sub("[phone]", text)


def _redact_arg(value: object) -> object:
    """A formatting argument, redacted; numbers and untouched values keep their type (some
    formatters, uvicorn's access log, read the arguments themselves)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    clean = redact(text)
    return value if clean == text else clean


class Redacting(logging.Filter):
    """Redacts the record's message, arguments and traceback, in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._redacted = True
        return True


_installed = False


def install_redaction() -> None:
    """Redact every record created from now on in this process, whatever logs it and
    whichever handler writes it (uvicorn's, Rasa's, ours): done at record creation."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()
    net = Redacting()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        net.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str | None = None) -> None:
    """A process's logging: stderr, LOG_LEVEL (INFO), redacted, quiet HTTP clients."""
    logging.basicConfig(
        level=level or os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_redaction()
