"""Score the trained NLU model on a test set: the sealed set (tests/nlu/sealed7.yml) by default.

The sealed set was written apart from the training data by an author who never saw it; it is
never trained on and never used to tune (evaluate it once, when every choice is made, and
report the figure as it is). The six earlier sealed sets were each evaluated once (sealed4:
macro-F1 0.9361, 10/540 confidently wrong; sealed5: 0.9767, 3/540; sealed6: 0.9630, 4/571),
then moved into the training data (bot/data/nlu/authors/former_sealed*.yml). The former
held-out set is training data too (bot/data/nlu/former_heldout.yml); the threshold and the
pipeline are tuned by cross-validation on the training data (scripts/nlu_crossval.py), which
uses the scoring below.

Every message is parsed by the model itself (scripts/nlu_parse.py, in .venv-bot), so the
FallbackClassifier is applied as in production (`rasa test nlu` would silently undo it).
Scoring:
- a fallback (nlu_fallback) counts as a miss, except on out_of_scope messages where declining
  is the right answer (it then counts as out_of_scope);
- "confidently wrong": a wrong intent answered at or above the fallback threshold, i.e. not a
  fallback (the bot acts on it);
- macro-F1 over the intents of the domain (bot/domain/intents.yml, nlu_fallback aside) that
  the set has examples of (an intent added after the set was written has no F1 to give; the
  list of intents left out is printed); a fallback is a false negative for the expected intent
  and a false positive for no intent.
Also prints the confidence histogram of the classifier's best guess (fallback ignored), split
between correct and wrong guesses, and what each fallback threshold would give.

Only the messages not in the training data are scored (the number left out is printed): sealed7
was written apart by three authors (stop 25, 48 messages per intent), but some of its short
everyday messages ("bonjour", "oui") are training examples too.

Usage: python scripts/nlu_eval.py [--set sealed7|heldout] [--model PATH] [--check]
  --set heldout: an older copy of a held-out file, given with --file (there is none by default).
  --check: exit 1 if macro-F1 < 0.97 or more than 1% of the answers are confidently wrong.
Last line: nlu_macro_f1=X confident_wrong=N/M
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEALED_SETS = {
    "sealed7": ROOT / "tests" / "nlu" / "sealed7.yml",
}
TRAINING_DIR = ROOT / "bot" / "data" / "nlu"
INTENTS_DOMAIN = ROOT / "bot" / "domain" / "intents.yml"
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
MIN_MACRO_F1 = 0.97
MAX_CONFIDENT_WRONG = 0.01

# [text]{"entity": ..., "value": ...} and [text](entity) annotations.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\{(?P<json>[^}]*)\}|\((?P<name>[^)]*)\))")


@dataclass
class Example:
    text: str
    intent: str
    entities: list[tuple[str, str]]


def strip_annotations(line: str) -> tuple[str, list[tuple[str, str]]]:
    entities: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        text = match.group("text")
        if match.group("json") is not None:
            data = json.loads("{" + match.group("json") + "}")
            entities.append((data["entity"], str(data.get("value", text))))
        else:
            name, _, value = match.group("name").partition(":")
            entities.append((name, value or text))
        return text

    return _ANNOTATION.sub(replace, line), entities


def load_examples(path: Path) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            text, entities = strip_annotations(line[2:].strip())
            examples.append(Example(text, block["intent"], entities))
    return examples


def plain(text: str) -> str:
    """Roughly what the model sees: no case, accent, punctuation or extra space."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(words) if words else "".join(text.split())


def unseen(examples: list[Example]) -> tuple[list[Example], int]:
    """The examples whose message is not in the training data (a sealed set written apart
    still says "bonjour" like everyone: those measure nothing), and how many were left out."""
    trained = {plain(e.text) for path in TRAINING_DIR.rglob("*.yml") for e in load_examples(path)}
    kept = [e for e in examples if plain(e.text) not in trained]
    return kept, len(examples) - len(kept)


def test_examples(path: Path) -> list[Example]:
    examples, trained = unseen(load_examples(path))
    if trained:
        print(f"left out: {trained} messages of this set that are in the training data")
    return examples


def parse_with_model(model: Path, texts: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = Path(tmp) / "in.json", Path(tmp) / "out.json"
        in_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONWARNINGS": "ignore",
        }
        result = subprocess.run(
            [
                str(BOT_PYTHON),
                str(ROOT / "scripts" / "nlu_parse.py"),
                str(model),
                str(in_path),
                str(out_path),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-3000:] + result.stderr[-5000:])
            raise SystemExit(f"parsing with {model} failed (exit {result.returncode})")
        return json.loads(out_path.read_text(encoding="utf-8"))


def best_guess(parsed: dict) -> tuple[str, float]:
    """The classifier's answer before the FallbackClassifier stepped in."""
    for item in parsed.get("intent_ranking") or []:
        if item["name"] != FALLBACK:
            return item["name"], float(item["confidence"])
    return FALLBACK, 0.0


def domain_intents() -> list[str]:
    """Every intent the model may answer, the scored ones (nlu_fallback is not an intent)."""
    data = yaml.safe_load(INTENTS_DOMAIN.read_text(encoding="utf-8"))
    return sorted(i for i in data["intents"] if i != FALLBACK)


def is_correct(gold: str, predicted: str) -> bool:
    return predicted == gold or (gold == OUT_OF_SCOPE and predicted == FALLBACK)


def macro_f1(golds: list[str], predictions: list[str], labels: list[str]) -> tuple[float, dict]:
    scores = {}
    for label in labels:
        tp = sum(1 for g, p in zip(golds, predictions, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(golds, predictions, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(golds, predictions, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = (precision, recall, f1, tp + fn)
    return sum(s[2] for s in scores.values()) / len(labels), scores


def histogram(guesses: list[tuple[float, bool]]) -> list[str]:
    lines = ["confidence of the best guess   correct  wrong"]
    edges = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01]
    for low, high in itertools.pairwise(edges):
        right = sum(1 for c, ok in guesses if low <= c < high and ok)
        wrong = sum(1 for c, ok in guesses if low <= c < high and not ok)
        label = f"[{low:.2f}, {min(high, 1.0):.2f}{']' if high > 1 else ')'}"
        lines.append(f"  {label:<28} {right:7d}  {wrong:5d}  {'#' * right}{'x' * wrong}")
    return lines


def with_threshold(parsed: dict, threshold: float, ambiguity: float) -> str:
    """What the FallbackClassifier would answer at another threshold (its two rules)."""
    ranking = [i for i in parsed.get("intent_ranking") or [] if i["name"] != FALLBACK]
    if not ranking:
        return FALLBACK
    top = float(ranking[0]["confidence"])
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return FALLBACK
    return str(ranking[0]["name"])


def score(golds: list[str], predictions: list[str], labels: list[str]) -> tuple[float, int]:
    """Macro-F1 and the number of confidently wrong answers (wrong and not a fallback)."""
    scored = [
        OUT_OF_SCOPE if g == OUT_OF_SCOPE and p == FALLBACK else p
        for g, p in zip(golds, predictions, strict=True)
    ]
    f1, _ = macro_f1(golds, scored, labels)
    wrong = sum(
        1 for g, p in zip(golds, predictions, strict=True) if p != FALLBACK and not is_correct(g, p)
    )
    return f1, wrong


def threshold_sweep(
    golds: list[str],
    results: list[dict],
    labels: list[str],
    thresholds: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95),
    ambiguity: float = 0.1,
) -> list[str]:
    lines = ["threshold  macro_f1  accuracy  fallbacks  confident_wrong"]
    for threshold in thresholds:
        predictions = [with_threshold(r, threshold, ambiguity) for r in results]
        f1, wrong = score(golds, predictions, labels)
        correct = sum(is_correct(g, p) for g, p in zip(golds, predictions, strict=True))
        fallbacks = predictions.count(FALLBACK)
        lines.append(
            f"  {threshold:.2f}     {f1:.4f}    {correct / len(golds):.3f}    {fallbacks:5d}"
            f"      {wrong:4d} ({wrong / len(golds):.1%})"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: scripts/ensure_model)")
    parser.add_argument("--check", action="store_true", help="fail below the targets")
    parser.add_argument("--set", choices=(*SEALED_SETS, "heldout"), default="sealed7")
    parser.add_argument("--file", type=Path, help="the test file for --set heldout")
    args = parser.parse_args()
    if args.set == "heldout" and args.file is None:
        parser.error("--set heldout needs --file: the held-out set is training data now")
    test_file = args.file if args.set == "heldout" else SEALED_SETS[args.set]

    model = args.model
    if model is None:
        sys.path.insert(0, str(ROOT / "scripts"))
        from ensure_model import ensure_model

        model = ensure_model()
    examples = test_examples(test_file)
    results = parse_with_model(model, [e.text for e in examples])

    golds = [e.intent for e in examples]
    predictions = [r["intent"]["name"] for r in results]
    confidences = [float(r["intent"].get("confidence") or 0.0) for r in results]
    guesses = [best_guess(r) for r in results]
    present = {e.intent for e in examples}
    labels = [label for label in domain_intents() if label in present]
    absent = [label for label in domain_intents() if label not in present]
    if absent:
        print(f"no examples in this set for: {', '.join(absent)} (left out of the macro-F1)")
    unknown = sorted(set(golds) - set(labels))
    if unknown:
        raise SystemExit(f"intents not in the domain: {unknown}")

    scored = [
        OUT_OF_SCOPE if g == OUT_OF_SCOPE and p == FALLBACK else p
        for g, p in zip(golds, predictions, strict=True)
    ]
    correct = [is_correct(g, p) for g, p in zip(golds, predictions, strict=True)]
    accuracy = sum(correct) / len(examples)
    f1, per_label = macro_f1(golds, scored, labels)
    confident_wrong = [
        (e, p, c)
        for e, p, c, ok in zip(examples, predictions, confidences, correct, strict=True)
        if not ok and p != FALLBACK
    ]
    fallbacks = [
        (e, g) for e, p, g in zip(examples, predictions, guesses, strict=True) if p == FALLBACK
    ]

    print(f"model: {model}")
    print(f"{args.set} set: {test_file}")
    print(f"messages: {len(examples)} ({len(labels)} intents scored)")
    print(f"accuracy: {accuracy:.4f}")
    print(f"macro-F1: {f1:.4f}")
    print(
        f"fallbacks: {len(fallbacks)} "
        f"({sum(1 for e, _ in fallbacks if e.intent == OUT_OF_SCOPE)} on out_of_scope messages)"
    )
    print(f"confidently wrong (not a fallback): {len(confident_wrong)}/{len(examples)}")
    print()
    print("intent                 precision  recall   f1     n")
    for label, (precision, recall, label_f1, support) in per_label.items():
        print(f"  {label:<22} {precision:.3f}    {recall:.3f}   {label_f1:.3f}  {support}")
    print()
    for line in histogram(
        [(c, is_correct(e.intent, i)) for e, (i, c) in zip(examples, guesses, strict=True)]
    ):
        print(line)
    print()
    for line in threshold_sweep(golds, results, labels):
        print(line)

    confusions = Counter(
        (g, p) for g, p, ok in zip(golds, predictions, correct, strict=True) if not ok
    )
    print()
    print("worst confusions (expected -> predicted: count)")
    for (gold, predicted), count in confusions.most_common(10):
        print(f"  {gold} -> {predicted}: {count}")
    print()
    print("misses")
    for example, predicted, guess, ok in zip(examples, predictions, guesses, correct, strict=True):
        if not ok:
            print(
                f"  [{example.intent} -> {predicted}; guess {guess[0]} {guess[1]:.2f}] "
                f"{example.text}"
            )

    expected_entities = [(e, r) for e, r in zip(examples, results, strict=True) if e.entities]
    if expected_entities:
        found = sum(
            1
            for e, r in expected_entities
            if {(n, v) for n, v in e.entities if n == "situation_change"}
            <= {(x["entity"], x["value"]) for x in r["entities"]}
        )
        print()
        print(f"situation_change found with the right value: {found}/{len(expected_entities)}")
        for example, result in expected_entities:
            expected = {v for n, v in example.entities if n == "situation_change"}
            got = {x["value"] for x in result["entities"] if x["entity"] == "situation_change"}
            if not expected <= got:
                print(f"  expected {sorted(expected)}, got {sorted(got)}: {example.text}")

    print()
    print(f"nlu_macro_f1={f1:.4f} confident_wrong={len(confident_wrong)}/{len(examples)}")
    if args.check and (
        f1 < MIN_MACRO_F1 or len(confident_wrong) > MAX_CONFIDENT_WRONG * len(examples)
    ):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
