"""Every text a person reads is in one of two places, fits GSM-7, and is the one the code uses.

- backend/messages.yml: what the gateway and the backend send (``text(key, **values)``);
- bot/domain/responses_*.yml: what the bot's actions say (``utter_message(response=...)``).

The code is read, not run (the actions need .venv-bot): every key and response named in the
code exists with the placeholders it is given, and every one of them is used. One test runs
Rasa's own response filling in .venv-bot to show that the actions' values reach the text.
"""

from __future__ import annotations

import ast
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from backend.messages import MESSAGES_FILE, MessagesError, load, placeholders, text
from channels.gsm7 import fold_to_gsm7, is_gsm7, segment_count

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "bot" / "domain"
ACTIONS = ROOT / "bot" / "actions"
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"
# utter_message's own parameters: not values for a response's placeholders.
UTTER_PARAMETERS = {"text", "image", "json_message", "template", "response", "attachment",
                    "buttons", "elements"}  # fmt: skip


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def sms_form(template: str) -> str:
    """The template with each placeholder as a plain word, as it could go out."""
    return template.format(**dict.fromkeys(placeholders(template), "x"))


def fits_sms(template: str) -> bool:
    """GSM-7 as the SMS renderer sends it (channels/rendering.py folds "ça" to "ca"): no
    character dropped for want of a look-alike, and at most 2 segments."""
    shown = sms_form(template)
    kept = all(is_gsm7(ch) or fold_to_gsm7(ch) for ch in shown)
    return kept and is_gsm7(fold_to_gsm7(shown)) and segment_count(fold_to_gsm7(shown)) <= 2


def domain_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        for name, variations in (yaml.safe_load(path.read_text()).get("responses") or {}).items():
            assert name not in responses, f"{name} is defined twice ({path.name})"
            responses[name] = variations
    return responses


def response_texts(variations: list[dict]) -> list[str]:
    return [v["text"] for v in variations if v.get("text")]


# --- backend/messages.yml -------------------------------------------------------------------


def message_calls() -> list[tuple[Path, int, str, set[str]]]:
    """Every ``text("key", name=...)`` in backend/ and channels/: (file, line, key, names)."""
    calls = []
    for path in python_files("backend", "channels"):
        tree = ast.parse(path.read_text(), str(path))
        imported = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "backend.messages"
            and any(alias.name == "text" and alias.asname is None for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imported:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id != "text":
                    continue
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path}:{node.lineno}: text() takes a literal key, so that this test "
                    "can find it"
                )
                names = {k.arg for k in node.keywords if k.arg is not None}
                calls.append((path, node.lineno, first.value, names))
    return calls


def test_messages_file_loads_and_every_text_is_gsm7() -> None:
    messages = load()
    assert messages
    for key, template in messages.items():
        assert fits_sms(template), f"{key}: not GSM-7: {template!r}"


def test_every_key_used_exists_with_its_placeholders_and_none_is_unused() -> None:
    messages = load()
    calls = message_calls()
    for path, line, key, names in calls:
        where = f"{path.relative_to(ROOT)}:{line}"
        assert key in messages, f"{where}: no text {key!r} in backend/messages.yml"
        assert names == placeholders(messages[key]), (
            f"{where}: {key!r} expects {sorted(placeholders(messages[key]))}, given {sorted(names)}"
        )
    unused = set(messages) - {key for _, _, key, _ in calls}
    assert not unused, f"texts of backend/messages.yml no code uses: {sorted(unused)}"


def test_text_fills_placeholders_and_names_a_missing_key() -> None:
    assert text("choice_prompt_many", count=7) == "Répondez de 1 à 7"
    assert text("wait_notice") == load()["wait_notice"]
    with pytest.raises(KeyError, match="nope"):
        text("nope")


def test_a_broken_messages_file_is_refused_with_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yml"
    broken.write_text('ok: "Bonjour"\nbad: ""\n')
    with pytest.raises(MessagesError, match="bad"):
        load(broken)
    broken.write_text('ok: "Bonjour {name"\n')
    with pytest.raises(MessagesError, match="ok"):
        load(broken)
    assert load(MESSAGES_FILE) == load()


# --- bot/domain/responses_*.yml -------------------------------------------------------------


def test_every_domain_response_and_button_is_gsm7() -> None:
    for name, variations in domain_responses().items():
        for variation in variations:
            for shown in [variation.get("text") or "", *(b["title"] for b in variation.get("buttons") or [])]:  # fmt: skip
                assert fits_sms(shown), f"{name}: not GSM-7: {shown!r}"


def test_the_actions_buttons_are_gsm7() -> None:
    """The buttons stay in the actions' code (their payloads are the dialogue's)."""
    for path in python_files("bot/actions"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "title":
                        assert isinstance(value, ast.Constant) and is_gsm7(value.value), (
                            f"{path.name}:{node.lineno}"
                        )


def module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def action_responses() -> tuple[set[str], list[tuple[str, set[str], set[str]]]]:
    """(every utter_ name in bot/actions, [(where, responses a call may say, values given)])."""
    trees = {path.stem: ast.parse(path.read_text()) for path in python_files("bot/actions")}
    constants = {stem: module_constants(tree) for stem, tree in trees.items()}
    for stem, tree in trees.items():  # names imported from a sibling module
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in constants:
                for alias in node.names:
                    if alias.name in constants[node.module]:
                        constants[stem][alias.name] = constants[node.module][alias.name]
    named: set[str] = set()
    calls = []
    for stem, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and str(node.value).startswith("utter_"):
                named.add(node.value)
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "dispatch_menu":
                said = node.args[1]  # menu.py: the menu under this response
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "utter_message":
                said = next((k.value for k in node.keywords if k.arg == "response"), None)
                if said is None or any(k.arg is None for k in node.keywords):
                    continue  # a text relayed from the backend, or dispatch_menu's own call
            else:
                continue
            given = {k.arg for k in node.keywords if k.arg not in UTTER_PARAMETERS}
            # A literal, a module constant, or either in "A if ... else B" / "D.get(k, A)".
            words = {
                n.value if isinstance(n, ast.Constant) else constants[stem].get(n.id, "")
                for n in ast.walk(said)
                if isinstance(n, ast.Constant | ast.Name)
            }
            candidates = {w for w in words if isinstance(w, str) and w.startswith("utter_")}
            if not candidates and isinstance(said, ast.Name) and said.id.islower():
                continue  # a variable holding one of the module's utter_ constants (named)
            assert candidates, f"bot/actions/{stem}.py:{node.lineno}: which response?"
            calls.append((f"bot/actions/{stem}.py:{node.lineno}", candidates, given))
    return named | {
        v for c in constants.values() for v in c.values() if v.startswith("utter_")
    }, calls


def test_every_response_the_actions_say_exists_with_its_placeholders() -> None:
    responses = domain_responses()
    named, calls = action_responses()
    for name in named:
        assert name in responses, f"{name} is said by an action but not in bot/domain"
    assert len(calls) >= 40
    for where, candidates, given in calls:
        for name in candidates:
            assert name in responses, f"{where}: {name} is not a response of bot/domain"
            needed = set().union(*(placeholders(t) for t in response_texts(responses[name])))
            assert needed == given, f"{where}: {name} needs {sorted(needed)}, given {sorted(given)}"


def test_no_domain_response_is_unused() -> None:
    named, _ = action_responses()
    forms_asks = {
        f"utter_ask_{slot}"
        for path in DOMAIN.glob("*.yml")
        for form in (yaml.safe_load(path.read_text()).get("forms") or {}).values()
        for slot in form.get("required_slots") or []
    }
    in_dialogue = {
        word.strip(" -:")
        for path in (ROOT / "bot" / "data").rglob("*.yml")
        for word in path.read_text().split()
        if word.strip(" -:").startswith("utter_")
    }
    unused = set(domain_responses()) - named - forms_asks - in_dialogue
    assert not unused, f"responses nothing says: {sorted(unused)}"


def test_the_bot_and_the_gateway_say_the_same_technical_problem() -> None:
    [bot_text] = response_texts(domain_responses()["utter_technical_problem"])
    assert bot_text == text("technical_problem")


# --- Rasa fills the placeholders from the values an action gives ----------------------------

RENDER = textwrap.dedent(
    """
    import asyncio
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa_sdk.executor import CollectingDispatcher

    domain = Domain.load("bot/domain")
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response="utter_callback_when", who="Claire M.",
                             expected_by="jeudi 5/12")
    dispatcher.utter_message(response="utter_next_appointment", appointment="mardi 3/12 à 9h",
                             buttons=[{"title": "Je confirme", "payload": "/confirm_attendance"}])
    tracker = DialogueStateTracker.from_events("someone", [], slots=domain.slots)
    uttered = asyncio.run(RemoteAction._utter_responses(
        dispatcher.messages, CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator(domain.responses), tracker))
    for event in uttered:
        print(repr((event.text, [b["title"] for b in event.data.get("buttons") or []])))
    """
)


@pytest.mark.skipif(not BOT_PYTHON.exists(), reason=".venv-bot is not installed")
def test_rasa_fills_a_response_with_the_values_an_action_gives() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore",
           "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}  # fmt: skip
    result = subprocess.run(
        [str(BOT_PYTHON), "-c", RENDER], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-2:] == [
        repr(("Claire M. vous appelle d'ici jeudi 5/12.", [])),
        repr(("Votre prochain RDV : mardi 3/12 à 9h.", ["Je confirme"])),
    ]
