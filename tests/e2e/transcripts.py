"""Transcript files (tests/transcripts/*.yml): what a person types, what the bot must answer,
what the backend must hold at the end. Read by the e2e runner and by bench/sms_cost.py."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "transcripts"


def load_transcripts() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.stem, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(TRANSCRIPTS.glob("*.yml"))
    ]


def plain(text: str) -> str:
    """Compare without case, accents or curly apostrophes: SMS folding changes them."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def check_reply(step: dict[str, Any], text: str) -> list[str]:
    """Problems with a reply against a step's expect / expect_regex / expect_not."""
    problems = []
    expected = step.get("expect", [])
    for part in [expected] if isinstance(expected, str) else expected:
        if plain(part) not in plain(text):
            problems.append(f"expected {part!r}")
    regexes = step.get("expect_regex", [])
    for pattern in [regexes] if isinstance(regexes, str) else regexes:
        if not re.search(pattern, plain(text)):
            problems.append(f"expected to match /{pattern}/")
    unwanted = step.get("expect_not", [])
    for part in [unwanted] if isinstance(unwanted, str) else unwanted:
        if plain(part) in plain(text):
            problems.append(f"did not expect {part!r}")
    return problems
