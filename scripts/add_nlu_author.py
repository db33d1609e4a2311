"""Add an outside author's NLU file to the training data, kept apart from every sealed set.

    PYTHONPATH=. .venv/bin/python scripts/add_nlu_author.py path/to/author_x.yml [...]

Each file is written to bot/data/nlu/authors/ with, removed: the lines equal (after
tests/test_nlu_data.normalize) to a line of any sealed set (tests/nlu/sealed*.yml), to a line
already in the training data (same intent), or to one of another intent there (a
contradiction: printed, for a person to settle). The sealed lines themselves are never printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_nlu_data import normalize  # noqa: E402

AUTHORS = ROOT / "bot" / "data" / "nlu" / "authors"


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        if "intent" in block and "examples" in block:
            for line in str(block["examples"]).splitlines():
                if line.strip().startswith("- "):
                    found.append((str(block["intent"]), line.strip()[2:]))
    return found


def main(paths: list[str]) -> int:
    sealed = {
        normalize(text)
        for path in (ROOT / "tests" / "nlu").glob("sealed*.yml")
        for _, text in examples(path)
    }
    known: dict[str, set[str]] = {}
    for path in (ROOT / "bot" / "data" / "nlu").rglob("*.yml"):
        for intent, text in examples(path):
            known.setdefault(normalize(text), set()).add(intent)
    for name in paths:
        source = Path(name)
        kept: dict[str, list[str]] = {}
        dropped = {"sealed": 0, "duplicate": 0, "contradiction": 0}
        for intent, text in examples(source):
            key = normalize(text)
            if key in sealed:
                dropped["sealed"] += 1
            elif key in known and intent in known[key]:
                dropped["duplicate"] += 1
            elif key in known:
                dropped["contradiction"] += 1
                print(f"  contradiction: {text!r} is {intent} here, {sorted(known[key])} there")
            else:
                known.setdefault(key, set()).add(intent)
                kept.setdefault(intent, []).append(text)
        lines = ['version: "3.1"', "nlu:"]
        for intent, texts in kept.items():
            lines += [f"  - intent: {intent}", "    examples: |"]
            lines += [f"      - {text}" for text in texts]
        target = AUTHORS / source.name
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        total = sum(len(t) for t in kept.values())
        print(f"{target.relative_to(ROOT)}: kept {total}, dropped {dropped}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
