"""GSM 03.38 alphabet: folding text into it and counting SMS segments."""

from __future__ import annotations

import math
import re
import unicodedata

# The GSM-7 default alphabet (one septet each) and its extension table (two septets each).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")

# Characters people and templates often use that GSM-7 lacks, folded to the nearest look-alike.
# é è à ù are in GSM-7 and kept; the rest of the French accents are not.
_FOLD = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u00b7": "-",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",
    "â": "a",
    "ê": "e",
    "î": "i",
    "ô": "o",
    "û": "u",
    "ë": "e",
    "ï": "i",
    "ÿ": "y",
    "À": "A",
    "Â": "A",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "Î": "I",
    "Ï": "I",
    "Ô": "O",
    "Ù": "U",
    "Û": "U",
    "Ÿ": "Y",
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "\u200b": "",
    "\ufe0f": "",
    "\u00ad": "",  # soft hyphen
    "\u201a": "'",
    "\u2032": "'",
    "\u2039": '"',
    "\u203a": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\t": " ",
    "\u2028": "\n",
    "\u2029": "\n",
}


_GUILLEMETS = re.compile(r"«[\s\u00a0\u202f]*|[\s\u00a0\u202f]*»")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def fold_to_gsm7(text: str) -> str:
    """Replace what GSM-7 cannot carry; characters with no look-alike are dropped."""
    text = _GUILLEMETS.sub('"', text)  # « mot » -> "mot"
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _FOLD:
            out.append(_FOLD[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
            )
            out.append(base if base and is_gsm7(base) else "")
    return "".join(out)


def encoding_of(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def segment_count(text: str) -> int:
    """SMS parts for this text: 160/153 septets in GSM-7, 70/67 UTF-16 units in UCS-2."""
    if is_gsm7(text):
        length, single, multi = septets(text), 160, 153
    else:
        length, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    if length <= single:
        return 1
    return math.ceil(length / multi)
