"""Yes or no to a '1 Oui 2 Non' confirmation ('1', 'ouais c'est ca', 'non non je viens')."""

from __future__ import annotations

from .keywords import NO, YES, _match_set, _phrases, strengthened_no
from .normalising import plain_words

CONFIRMING = _phrases(
    "c est ca", "cest ca", "c bien ca", "c est bien ca", "cest bien ca", "tout a fait",
    "oui c est ca", "c est exact", "c est juste", "bien sur", "c'est bon", "cest bon", "c bon",
)  # fmt: skip
DENYING = {"pas", "non", "jamais", "rien", "aucun", "aucune"}
NO_WORRY = ("pas de souci", "pas de soucis", "pas de probleme", "pas de pb", "pas de prob")


def yes_or_no(raw: str) -> bool | None:
    """The answer to a '1 Oui 2 Non' confirmation: '1', 'oui', 'ouais c'est ca', 'non non je
    viens'...; None when the message is something else (then it is read as a new message)."""
    text = " ".join(plain_words(raw))
    if text in ("1", "1 oui", "oui 1"):
        return True
    if text in ("2", "2 non", "non 2") or strengthened_no(text):
        return False
    if _match_set(text, YES) or text in CONFIRMING:
        return True
    if _match_set(text, NO):
        return False
    for phrase in NO_WORRY:  # "oui pas de souci": a yes, whatever its "pas"
        text = text.replace(phrase, "").strip()
    words = text.split()
    if not words:
        return None
    first_two = " ".join(words[:2])
    if words[0] in YES or first_two in YES or first_two in CONFIRMING:
        return None if any(w in DENYING for w in words[1:]) else True
    if words[0] in NO or first_two in NO:
        return False
    return None
