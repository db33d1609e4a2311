"""K-fold cross-validation of the NLU on the TRAINING data only (bot/data/nlu/).

This is how the fallback threshold and the pipeline are tuned: the sealed set
(tests/nlu/sealed.yml) is never used for that. Folds are stratified by intent (each intent's
examples shuffled with a fixed seed, then dealt round-robin), or, with --by-source, one fold per
author (author_a, author_b, the project's own files): a harder test, closer to a message from
a stranger. Each fold trains an NLU-only model (`rasa train nlu` in .venv-bot, with the
pipeline of config.yml, optionally fewer epochs) on the other folds plus the lookup tables and
synonyms, then parses the held-out fold with scripts/nlu_parse.py. The out-of-fold parses are
scored like scripts/nlu_eval.py: macro-F1 over the domain's intents, confidently wrong =
wrong and not a fallback, the confidence histogram and a threshold sweep.

Usage: python scripts/nlu_crossval.py [--folds 3] [--by-source] [--epochs N] [--max-ngram N]
           [--with-vectors] [--out results/crossval.json] [--from results/crossval.json]
  --with-vectors: add the pretrained French word vectors (bot/nlu/vectors_featurizer.py) after
    the sparse featurizers, to measure them (exported first if missing).
  --from: score saved parses again without training.
Last line: crossval_macro_f1=X confident_wrong=N/M (at the threshold of config.yml)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_eval import (
    FALLBACK,
    OUT_OF_SCOPE,
    ROOT,
    domain_intents,
    histogram,
    is_correct,
    parse_with_model,
    score,
    strip_annotations,
    threshold_sweep,
    with_threshold,
)

TRAINING_DIR = ROOT / "bot" / "data" / "nlu"
RASA = ROOT / ".venv-bot" / "bin" / "rasa"
SEED = 7
WRONG_COST = 3


def load_training() -> tuple[list[tuple[str, str, str]], list[dict]]:
    """(intent, example line as written, source) for every example; other blocks as they are."""
    examples: list[tuple[str, str, str]] = []
    others: list[dict] = []
    for path in sorted(TRAINING_DIR.rglob("*.yml")):
        source = path.stem if path.parent.name == "authors" else "project"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("nlu") or []:
            if "intent" not in block:
                others.append(block)
                continue
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    examples.append((block["intent"], line.strip()[2:], source))
    return examples, others


def make_folds(examples: list[tuple[str, str, str]], k: int, by_source: bool) -> list[int]:
    if by_source:
        sources = sorted({s for _, _, s in examples})
        return [sources.index(s) for _, _, s in examples]
    rng = random.Random(SEED)
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, (intent, _, _) in enumerate(examples):
        by_intent[intent].append(index)
    folds = [0] * len(examples)
    offset = 0
    for intent in sorted(by_intent):
        indexes = by_intent[intent]
        rng.shuffle(indexes)
        for position, index in enumerate(indexes):
            folds[index] = (offset + position) % k
        offset += len(indexes)  # spreads the remainders over the folds
    return folds


def write_training(path: Path, examples: list[tuple[str, str, str]], others: list[dict]) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, line, _ in examples:
        by_intent[intent].append(line)
    out = ['version: "3.1"', "nlu:"]
    for intent, lines in by_intent.items():
        out += [f"  - intent: {intent}", "    examples: |"]
        out += [f"      - {line}" for line in lines]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    # Lookup tables and synonyms, in every fold (Rasa reads every file of the folder).
    other = {"version": "3.1", "nlu": others}
    (path.parent / "lookups_synonyms.yml").write_text(
        yaml.safe_dump(other, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


VECTORS = "bot.nlu.vectors_featurizer.FrenchWordVectors"


def fold_config(epochs: int | None, max_ngram: int | None, with_vectors: bool = False) -> str:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config.pop("policies", None)
    names = [component["name"] for component in config["pipeline"]]
    if with_vectors and VECTORS not in names:
        last_featurizer = max(i for i, name in enumerate(names) if name.endswith("Featurizer"))
        config["pipeline"].insert(last_featurizer + 1, {"name": VECTORS})
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier" and epochs:
            component["epochs"] = epochs
        if (
            component["name"] == "CountVectorsFeaturizer"
            and component.get("analyzer") == "char_wb"
            and max_ngram
        ):
            component["max_ngram"] = max_ngram
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def config_fallback() -> tuple[float, float]:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"]), float(component["ambiguity_threshold"])
    raise SystemExit("no FallbackClassifier in config.yml")


def run_folds(args: argparse.Namespace) -> dict:
    config = fold_config(args.epochs, args.max_ngram, args.with_vectors)
    if VECTORS in config:
        from export_fr_vectors import ensure_vectors

        ensure_vectors()
    examples, others = load_training()
    folds = make_folds(examples, args.folds, args.by_source)
    count = max(folds) + 1
    parsed: list[dict | None] = [None] * len(examples)
    seconds = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "config.yml").write_text(config, encoding="utf-8")
        for fold in range(count):
            train = [e for e, f in zip(examples, folds, strict=True) if f != fold]
            test = [i for i, f in enumerate(folds) if f == fold]
            data_dir = tmp / f"data{fold}"
            data_dir.mkdir()
            write_training(data_dir / "nlu.yml", train, others)
            started = time.monotonic()
            subprocess.run(
                [
                    str(RASA),
                    "train",
                    "nlu",
                    "--config",
                    str(tmp / "config.yml"),
                    "--nlu",
                    str(data_dir),
                    "--out",
                    str(tmp),
                    "--fixed-model-name",
                    f"fold{fold}",
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
                env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
            )
            seconds.append(time.monotonic() - started)
            texts = [strip_annotations(examples[i][1])[0] for i in test]
            for index, result in zip(
                test, parse_with_model(tmp / f"fold{fold}.tar.gz", texts), strict=True
            ):
                parsed[index] = result
            print(
                f"fold {fold + 1}/{count}: trained on {len(train)} in {seconds[-1]:.0f} s, "
                f"parsed {len(test)}",
                file=sys.stderr,
            )
    return {
        "settings": {
            "folds": count,
            "by_source": args.by_source,
            "epochs": args.epochs,
            "max_ngram": args.max_ngram,
            "with_vectors": args.with_vectors,
        },
        "train_seconds": seconds,
        "examples": [
            {"intent": intent, "source": source, "fold": fold, "parsed": result}
            for (intent, _, source), fold, result in zip(examples, folds, parsed, strict=True)
        ],
    }


def report(run: dict) -> None:
    labels = domain_intents()
    rows = run["examples"]
    golds = [r["intent"] for r in rows]
    results = [r["parsed"] for r in rows]
    threshold, ambiguity = config_fallback()
    print(f"settings: {run['settings']}")
    print(f"training seconds per fold: {[round(s) for s in run['train_seconds']]}")
    print(f"out-of-fold messages: {len(rows)} ({len(labels)} intents scored)")
    print()
    guesses = []
    for r in results:
        ranking = [i for i in r.get("intent_ranking") or [] if i["name"] != FALLBACK]
        guesses.append((ranking[0]["name"], float(ranking[0]["confidence"])))
    for line in histogram(
        [(c, is_correct(g, i)) for g, (i, c) in zip(golds, guesses, strict=True)]
    ):
        print(line)
    print()
    print(f"ambiguity_threshold {ambiguity} applied as the FallbackClassifier does")
    thresholds = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))
    for line in threshold_sweep(golds, results, labels, thresholds, ambiguity):
        print(line)
    print()
    # A wrong answer acts on a guess, which a person must then undo; a fallback only asks
    # again (the menu, then the referent's call). The threshold of config.yml is the cheapest.
    print(f"cost = {WRONG_COST} x wrong answers + fallbacks on messages in scope")
    for candidate in thresholds:
        predictions = [with_threshold(r, candidate, ambiguity) for r in results]
        pairs = list(zip(golds, predictions, strict=True))
        wrong = sum(p != FALLBACK and not is_correct(g, p) for g, p in pairs)
        missed = sum(p == FALLBACK and g != OUT_OF_SCOPE for g, p in pairs)
        print(f"  {candidate:.2f}  cost {WRONG_COST * wrong + missed:5d}")
    print()
    predictions = [with_threshold(r, threshold, ambiguity) for r in results]
    print(f"per source at the threshold of config.yml ({threshold}):")
    for source in sorted({r["source"] for r in rows}):
        pick = [i for i, r in enumerate(rows) if r["source"] == source]
        f1, wrong = score([golds[i] for i in pick], [predictions[i] for i in pick], labels)
        print(f"  {source:<10} n={len(pick):4d}  macro_f1={f1:.4f}  confident_wrong={wrong}")
    confusions = Counter(
        (g, p) for g, p in zip(golds, predictions, strict=True) if not is_correct(g, p)
    )
    print()
    print("worst confusions (expected -> predicted: count)")
    for (gold, predicted), n in confusions.most_common(15):
        print(f"  {gold} -> {predicted}: {n}")
    f1, wrong = score(golds, predictions, labels)
    print()
    print(f"crossval_macro_f1={f1:.4f} confident_wrong={wrong}/{len(rows)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--by-source", action="store_true", help="one fold per author")
    parser.add_argument("--epochs", type=int, help="DIET epochs (default: config.yml's)")
    parser.add_argument("--max-ngram", type=int, help="char n-gram max (default: config.yml's)")
    parser.add_argument("--with-vectors", action="store_true", help="add the French vectors")
    parser.add_argument("--out", type=Path, help="save the out-of-fold parses (JSON)")
    parser.add_argument("--from", dest="saved", type=Path, help="score saved parses again")
    args = parser.parse_args()
    if args.saved:
        run = json.loads(args.saved.read_text(encoding="utf-8"))
    else:
        run = run_folds(args)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    report(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
