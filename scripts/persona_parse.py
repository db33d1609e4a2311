"""Each persona answer read by the questionnaire parser alone, without the stack (a quick check
while working on the parser; tests/e2e/test_personas.py plays the whole conversation).

Usage: PYTHONPATH=. .venv/bin/python scripts/persona_parse.py [DIR ...]
Only the tuning personas by default: the sealed ones (tests/personas/sealed/) are never used to
tune the parser, so they are read only when named on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from backend.services.questionnaire.parser import parse_answer
from backend.services.questionnaire.schema import load_questionnaire
from backend.services.questionnaire.view import View

ROOT = Path(__file__).resolve().parents[1] / "tests" / "personas"


def persona_files(dirs: list[str]) -> list[Path]:
    if dirs:
        return sorted(p for d in dirs for p in Path(d).rglob("*.yml"))
    return sorted(p for p in ROOT.rglob("*.yml") if "sealed" not in p.relative_to(ROOT).parts)


def check(path: Path) -> tuple[int, list[str]]:
    q = load_questionnaire()
    persona: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers: dict[str, Any] = {}
    misses: list[str] = []
    total = 0
    for key, answer in (persona.get("answers") or {}).items():
        question = q.question(key)
        if question is None:
            misses.append(f"{key}: no such question")
            continue
        view = View(q, answers)
        parsed = parse_answer(question, view.options(question), str(answer["say"]))
        meant = answer["means"]
        total += 1
        if meant == "skip":
            ok = parsed.kind == "skip"
            value, skipped = None, True
        elif meant == "text" or isinstance(meant, int):
            ok = parsed.kind == "answer" and (meant == "text" or parsed.value == meant)
            value, skipped = answer["say"], False
        else:
            ok = parsed.kind == "answer" and sorted(parsed.value or []) == sorted(meant)
            value, skipped = list(meant), False
        if not ok:
            got = parsed.value if parsed.kind == "answer" else f"{parsed.kind} {parsed.options}"
            misses.append(f"{key}: {answer['say']!r} -> {got} (meant {meant})")
        answers[key] = SimpleNamespace(question_key=key, value=value, skipped=skipped)
    return total, misses


def main(argv: list[str]) -> int:
    grand, missed = 0, 0
    for path in persona_files(argv):
        total, misses = check(path)
        grand += total
        missed += len(misses)
        for miss in misses:
            print(f"{path.parent.name}/{path.stem}: {miss}")
    print(f"first_try={grand - missed}/{grand}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
