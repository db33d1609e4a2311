"""Whether a message is a question of its own ('c'est quand mon rdv ?') rather than an answer."""

from __future__ import annotations

from .keywords import NO, YES
from .normalising import plain_words

QUESTION_STARTS = (
    "quand", "c est quand", "c quand", "a quelle heure", "quelle heure", "ou est", "ou se",
    "est ce que", "est ce qu", "pourquoi", "comment", "combien", "qui", "quel", "quelle",
)  # fmt: skip


def is_question(raw: str) -> bool:
    """'c'est quand mon rdv ?', 'a quelle heure je dois venir': an answer is rarely a question."""
    if "?" in (raw or ""):
        return True
    text = " ".join(plain_words(raw))
    return any(text.startswith(start + " ") for start in QUESTION_STARTS)


def long_question(raw: str) -> bool:
    """'Est-ce que ma mere peut avoir une aide a domicile ?': a whole question of its own, not an
    answer, even when the intent model is unsure what it asks ('bac ?' stays an answer)."""
    words = plain_words(raw)
    if len(words) < 5 or not is_question(raw):
        return False
    return words[0] not in YES and words[0] not in NO and " ".join(words[:2]) not in YES
