"""The texts the backend and the channels gateway send to people, read from messages.yml.

One file so that a coordinator finds and changes any wording without reading Python (README,
"Where the texts are"). ``text("wait_notice")`` gives a text; ``text("invitation",
structure="CCAS de Lyon")`` fills its ``{structure}``. A missing key or placeholder is a bug in
the code, found by tests/test_messages.py, which also checks GSM-7 and unused keys.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class MessagesError(ValueError):
    """messages.yml is wrong; the message names the file and the key."""


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load(path: Path = MESSAGES_FILE) -> dict[str, str]:
    """Parse and check a messages file: a flat mapping of keys to non-empty texts."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MessagesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MessagesError(f"{path}: must be a mapping of keys to texts")
    for key, value in data.items():
        if not isinstance(key, str) or not KEY.match(key):
            raise MessagesError(f"{path}: {key!r} is not a key (lowercase, digits, _)")
        if not isinstance(value, str) or not value.strip():
            raise MessagesError(f"{path}: {key}: the text must be a non-empty string")
        try:
            placeholders(value)
        except ValueError as exc:  # an unbalanced brace
            raise MessagesError(f"{path}: {key}: {exc}") from exc
    return data


@cache
def messages() -> dict[str, str]:
    return load()


def text(key: str, **values: object) -> str:
    """The text under ``key``, its ``{placeholders}`` filled from ``values``."""
    try:
        template = messages()[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in {MESSAGES_FILE.name}") from None
    return template.format(**values) if values else template
