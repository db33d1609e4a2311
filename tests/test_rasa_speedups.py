"""bot/speedups.py: Rasa's check of the action server's answers, done with a validator built
once, must accept and refuse exactly what Rasa's own check does, with the same message.

Rasa lives in .venv-bot only, so the checks run there in a subprocess.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"

CHECKS = textwrap.dedent(
    """
    import copy
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_show_menu", None)
    answers = [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "x", "value": 1}],
         "responses": [{"text": "Bonjour", "buttons": [{"title": "a", "payload": "/b"}]}]},
        {"events": [{"event": "active_loop", "name": None}, {"event": "followup",
         "name": "action_listen"}]},
        {},
        # Refused: events not a list, an unknown event, a response that is not an object.
        {"events": "slot"},
        {"events": [{"event": "no_such_event"}]},
        {"responses": ["Bonjour"]},
        {"events": [{"event": "slot"}]},
    ]

    def outcome(result):
        try:
            return action._validate_action_result(copy.deepcopy(result))
        except ValidationError as error:
            return "refused: " + error.message

    rasa_own = [outcome(answer) for answer in answers]
    assert rasa_own.count(True) == 4, rasa_own

    from bot import speedups
    import bot.connectors.gateway  # noqa: F401 - what Rasa loads installs them
    assert RemoteAction._validate_action_result is speedups._validate_action_result
    speedups.install()  # twice is harmless
    ours = [outcome(answer) for answer in answers]
    assert ours == rasa_own, (ours, rasa_own)
    print("ok")
    """
)


@pytest.mark.skipif(not BOT_PYTHON.exists(), reason=".venv-bot not created")
def test_action_answers_are_checked_as_rasa_does() -> None:
    result = subprocess.run(
        [str(BOT_PYTHON), "-c", CHECKS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
