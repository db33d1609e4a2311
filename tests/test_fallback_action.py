"""The two-stage fallback of action_handle_fallback (bot/actions/menu.py).

rasa_sdk lives in .venv-bot only, so the checks run there in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"

CHECKS = textwrap.dedent(
    """
    from bot.actions.menu import (
        CALLBACK_BUTTON, MENU_BUTTONS, NOT_UNDERSTOOD, STILL_NOT_UNDERSTOOD,
        consecutive_fallbacks, fallback_buttons,
    )

    def user(intent):
        return {"event": "user", "parse_data": {"intent": {"name": intent}}}

    def action(name):
        return {"event": "action", "name": name}

    listen = action("action_listen")
    start = [action("action_session_start"), {"event": "session_started"}, listen]
    fallback = action("action_handle_fallback")

    # First miss: the menu.
    events = [*start, user("nlu_fallback")]
    assert consecutive_fallbacks(events) == 1
    assert fallback_buttons(1) == (NOT_UNDERSTOOD, MENU_BUTTONS)

    # Second miss in a row: the referent's call back comes first, no duplicate payload.
    events = [*start, user("nlu_fallback"), fallback, listen, user("out_of_scope")]
    assert consecutive_fallbacks(events) == 2
    text, buttons = fallback_buttons(2)
    assert text == STILL_NOT_UNDERSTOOD
    assert buttons[0] == CALLBACK_BUTTON == {
        "title": CALLBACK_BUTTON["title"], "payload": "/request_referent"}
    payloads = [b["payload"] for b in buttons]
    assert len(payloads) == len(set(payloads))

    # An understood message in between resets the count.
    events = [*start, user("nlu_fallback"), fallback, listen, user("greet"),
              action("action_show_menu"), listen, user("nlu_fallback")]
    assert consecutive_fallbacks(events) == 1

    # Texts a beneficiary reads are GSM-7 (no e circumflex, cedilla, curly quote, ellipsis...);
    # the responses' own texts are checked in tests/test_messages.py.
    gsm7 = set("@£$¥èéùìòÇ\\nØø\\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\\"#¤%&'()*+,-./0123456789:;<=>?"
               "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    for text in [CALLBACK_BUTTON["title"], *(b["title"] for b in MENU_BUTTONS)]:
        assert set(text) <= gsm7, text
    print("ok")
    """
)


@pytest.mark.skipif(not BOT_PYTHON.exists(), reason=".venv-bot is not installed")
def test_two_stage_fallback() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [str(BOT_PYTHON), "-c", CHECKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
