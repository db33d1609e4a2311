"""Score the trained NLU model on the held-out set (tests/nlu/heldout.yml).

Every held-out message is parsed by the model itself (scripts/nlu_parse.py, in .venv-bot), so
the FallbackClassifier is applied as in production (`rasa test nlu` would silently undo it).
Scoring:
- a fallback (nlu_fallback) counts as a miss, except on out_of_scope messages where declining
  is the right answer (it then counts as out_of_scope);
- "confidently wrong": a wrong intent answered with confidence >= 0.7 (not a fallback);
- macro-F1 over the contract intents; a fallback is a false negative for the expected intent
  and a false positive for no intent.
Also prints the confidence histogram of the classifier's best guess (fallback ignored), split
between correct and wrong guesses, and what each fallback threshold would give: this is how
the threshold in config.yml is chosen.

Usage: python scripts/nlu_eval.py [--model PATH] [--check]
  --check: exit 1 if macro-F1 < 0.98 or more than 1% of the answers are confidently wrong.
Last line: nlu_macro_f1=X confident_wrong=N/M
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
CONFIDENT = 0.7
MIN_MACRO_F1 = 0.98
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
    for low, high in zip(edges, edges[1:], strict=False):
        right = sum(1 for c, ok in guesses if low <= c < high and ok)
        wrong = sum(1 for c, ok in guesses if low <= c < high and not ok)
        label = f"[{low:.2f}, {min(high, 1.0):.2f}{']' if high > 1 else ')'}"
        lines.append(f"  {label:<28} {right:7d}  {wrong:5d}  {'#' * right}{'x' * wrong}")
    return lines


def threshold_sweep(examples: list[Example], guesses: list[tuple[str, float]]) -> list[str]:
    lines = ["threshold  accuracy  fallbacks  confident_wrong(>=0.7)  wrong_answers"]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        correct = fallbacks = wrong = 0
        for example, (intent, confidence) in zip(examples, guesses, strict=True):
            predicted = intent if confidence >= threshold else FALLBACK
            fallbacks += predicted == FALLBACK
            if is_correct(example.intent, predicted):
                correct += 1
            elif predicted != FALLBACK:
                wrong += 1
        confident_wrong = sum(
            1
            for e, (i, c) in zip(examples, guesses, strict=True)
            if c >= max(threshold, CONFIDENT) and not is_correct(e.intent, i)
        )
        lines.append(
            f"  {threshold:.2f}     {correct / len(examples):.3f}    {fallbacks:5d}      "
            f"{confident_wrong:5d}               {wrong:5d}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: scripts/ensure_model)")
    parser.add_argument("--check", action="store_true", help="fail below the targets")
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    args = parser.parse_args()

    model = args.model
    if model is None:
        sys.path.insert(0, str(ROOT / "scripts"))
        from ensure_model import ensure_model

        model = ensure_model()
    examples = load_examples(args.heldout)
    results = parse_with_model(model, [e.text for e in examples])

    golds = [e.intent for e in examples]
    predictions = [r["intent"]["name"] for r in results]
    confidences = [float(r["intent"].get("confidence") or 0.0) for r in results]
    guesses = [best_guess(r) for r in results]
    labels = sorted(set(golds))

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
        if not ok and p != FALLBACK and c >= CONFIDENT
    ]
    fallbacks = [
        (e, g) for e, p, g in zip(examples, predictions, guesses, strict=True) if p == FALLBACK
    ]

    print(f"model: {model}")
    print(f"held-out messages: {len(examples)} ({len(labels)} intents)")
    print(f"accuracy: {accuracy:.4f}")
    print(f"macro-F1: {f1:.4f}")
    print(
        f"fallbacks: {len(fallbacks)} "
        f"({sum(1 for e, _ in fallbacks if e.intent == OUT_OF_SCOPE)} on out_of_scope messages)"
    )
    print(f"confidently wrong (>= {CONFIDENT}): {len(confident_wrong)}/{len(examples)}")
    print()
    print("intent                 precision  recall   f1     n")
    for label, (precision, recall, score, support) in per_label.items():
        print(f"  {label:<22} {precision:.3f}    {recall:.3f}   {score:.3f}  {support}")
    print()
    for line in histogram(
        [(c, is_correct(e.intent, i)) for e, (i, c) in zip(examples, guesses, strict=True)]
    ):
        print(line)
    print()
    for line in threshold_sweep(examples, guesses):
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
