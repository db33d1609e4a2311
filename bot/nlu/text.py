"""The text normalization of the NLU, without Rasa: importable from any environment.

``bot.nlu.normalizer.TextNormalizer`` applies it in the pipeline; scripts/export_fr_vectors.py
(run in the spaCy environment) applies it to the pretrained vocabulary so that its words look
like the tokens the featurizers see.
"""

from __future__ import annotations

import unicodedata

# Characters mapped explicitly (NFD decomposition does not simplify them).
_SPECIAL = {
    "\u2019": "'",  # right single quotation mark, the phone keyboard apostrophe
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "\u2032": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u00e6": "a",  # æ, œ: one letter kept, the length must not change
    "\u0153": "o",
    "\u00df": "s",
}


def _normalize_char(char: str) -> str:
    lowered = char.lower()
    if len(lowered) != 1:
        lowered = char
    if lowered in _SPECIAL:
        return _SPECIAL[lowered]
    base = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    return base if len(base) == 1 else lowered


def normalize_text(text: str) -> str:
    """Lowercase, strip accents, plain apostrophes. Same length as the input, always."""
    return "".join(_normalize_char(c) for c in unicodedata.normalize("NFC", text))
