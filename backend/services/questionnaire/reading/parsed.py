"""What reading an answer gives: its kind and, for an answer, its value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["answer", "skip", "back", "help", "resume", "pause", "unclear"]


@dataclass
class Parsed:
    kind: Kind
    value: Any = None  # option keys (list) for choices, str for text, int for number
    # Why it is unclear: "choice", "multi", "number", "text"; or "guess" (options holds the best
    # guess, to confirm) or "between" (options holds the two that fit equally).
    reason: str = ""
    options: list[str] = field(default_factory=list)
