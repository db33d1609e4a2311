"""Checks on the NLU training data and the sealed test sets (no Rasa needed: app env + pyyaml).

The sealed set was written apart from the training data; it is never trained on and never
edited. sealed7, the test set since stop 25, shares some short everyday messages with the
training data, which scripts/nlu_eval.py leaves out of the score (it must keep 25 per intent).
The six earlier sealed sets were each evaluated once, then moved into the training data
(bot/data/nlu/authors/former_sealed*.yml): spent, they no longer measure anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DIR = ROOT / "bot" / "data" / "nlu"
SEALED_FILES = {
    "sealed7": ROOT / "tests" / "nlu" / "sealed7.yml",
}
INTENTS_DOMAIN = ROOT / "bot" / "domain" / "intents.yml"

CONTRACT_INTENTS = {
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "help",
    "start_prediagnostic",
    "ask_next_appointment",
    "cannot_attend",
    "confirm_attendance",
    "update_situation",
    "request_referent",
    "stop",
    "delete_data",
    "out_of_scope",
}
# Added to the domain after the contract: scored and trained like the others.
EXTRA_INTENTS = {"confirm_new_number", "appointment_question"}
SCORED_INTENTS = CONTRACT_INTENTS | EXTRA_INTENTS
MIN_TRAINING = 60
MIN_SEALED = 25
# The intents the sealed set was written for: the data-rights intents (issue 16), and no
# confirm_new_number (a button sent to a new number, not something people type).
SEALED_INTENTS = {
    "sealed7": (SCORED_INTENTS | {"withdraw_consent", "ask_my_data"}) - {"confirm_new_number"},
}
SITUATION_VALUES = {"emploi", "demenagement", "formation", "sante", "numero", "famille"}

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")
_JSON_ANNOTATION = re.compile(r"\[([^\]]+)\]\{([^}]*)\}")


def normalize(text: str) -> str:
    """Roughly what the model sees: no annotation, case, accent, punctuation or extra space."""
    text = _ANNOTATION.sub(r"\1", text)
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(words) if words else "".join(text.split())  # "?", "..." stay themselves


def load_examples(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples: dict[str, list[str]] = defaultdict(list)
    for block in data.get("nlu") or []:
        if "intent" in block:
            lines = block["examples"].splitlines()
            examples[block["intent"]] += [ln.strip()[2:] for ln in lines if ln.strip()]
    return examples


def training_examples() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = defaultdict(list)
    for path in sorted(TRAINING_DIR.rglob("*.yml")):
        for intent, lines in load_examples(path).items():
            merged[intent] += lines
    return merged


TRAINING = training_examples()
SEALED_SETS = {name: load_examples(path) for name, path in SEALED_FILES.items() if path.exists()}


def test_scored_intents_are_in_the_domain() -> None:
    domain = yaml.safe_load(INTENTS_DOMAIN.read_text(encoding="utf-8"))
    assert set(domain["intents"]) >= SCORED_INTENTS


@pytest.mark.parametrize("intent", sorted(SCORED_INTENTS))
def test_enough_training_examples(intent: str) -> None:
    assert len(TRAINING[intent]) >= MIN_TRAINING


def _unseen(name: str, intent: str) -> list[str]:
    seen = {normalize(text) for lines in TRAINING.values() for text in lines}
    return [text for text in SEALED_SETS[name][intent] if normalize(text) not in seen]


@pytest.mark.parametrize(
    ("name", "intent"),
    sorted((name, i) for name, intents in SEALED_INTENTS.items() for i in intents),
)
def test_enough_sealed_examples(name: str, intent: str) -> None:
    """Enough messages the model has not been trained on (scripts/nlu_eval.py scores those)."""
    assert len(_unseen(name, intent)) >= MIN_SEALED


def test_training_intents_are_in_the_domain() -> None:
    domain = yaml.safe_load(INTENTS_DOMAIN.read_text(encoding="utf-8"))
    assert set(TRAINING) <= set(domain["intents"])
    for sealed in SEALED_SETS.values():
        assert set(sealed) <= set(TRAINING)


def test_no_training_example_is_written_twice() -> None:
    texts = [normalize(text) for lines in TRAINING.values() for text in lines]
    assert len(texts) == len(set(texts))


def test_no_example_is_labelled_twice() -> None:
    for name, examples in (("training", TRAINING), *SEALED_SETS.items()):
        owners: dict[str, set[str]] = defaultdict(set)
        for intent, lines in examples.items():
            for text in lines:
                owners[normalize(text)].add(intent)
        conflicts = {text: labels for text, labels in owners.items() if len(labels) > 1}
        assert conflicts == {}, name


def test_situation_change_values_are_normalized() -> None:
    values = set()
    for path in TRAINING_DIR.rglob("*.yml"):
        for _, body in _JSON_ANNOTATION.findall(path.read_text(encoding="utf-8")):
            match = re.search(r'"entity":\s*"situation_change",\s*"value":\s*"([^"]+)"', body)
            if match:
                values.add(match.group(1))
    assert values == SITUATION_VALUES


def test_synonyms_are_normalized() -> None:
    """The synonym mapper sees normalized text: a synonym with an accent would never match."""
    data = yaml.safe_load((TRAINING_DIR / "synonyms.yml").read_text(encoding="utf-8"))
    for block in data["nlu"]:
        assert block["synonym"] in SITUATION_VALUES
        for line in block["examples"].splitlines():
            text = line.strip()[2:]
            assert text == text.lower() and text.isascii(), text


def test_lookup_keywords_map_to_a_situation_value() -> None:
    """Keywords found by the RegexEntityExtractor must come out as a normalized value."""
    synonyms = yaml.safe_load((TRAINING_DIR / "synonyms.yml").read_text(encoding="utf-8"))
    to_value = {value: value for value in SITUATION_VALUES}
    for block in synonyms["nlu"]:
        for line in block["examples"].splitlines():
            to_value[line.strip()[2:]] = block["synonym"]
    lookups = yaml.safe_load((TRAINING_DIR / "lookups.yml").read_text(encoding="utf-8"))
    for block in lookups["nlu"]:
        assert block["lookup"] == "situation_change"
        for line in block["examples"].splitlines():
            keyword = line.strip()[2:]
            assert keyword == normalize(keyword) and keyword in to_value, keyword
