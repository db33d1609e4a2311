"""Answers given by the numbers of the list: '1 3', '2 pcq jai pas le permis' (a number, then
why), '4, 7 et autre' (numbers and names), 'les 3 premiers'."""

from __future__ import annotations

import re

from ..schema import Option
from .matching import _resolve, option_matches
from .names import STOPWORDS
from .normalising import BOUNDARY, plain_words, words_of
from .numbers import FILLERS, numbers_in


def _by_numbers(text: str, options: list[Option]) -> list[Option] | None:
    numbers = numbers_in(text)
    if numbers is None:
        return None
    if any(n < 1 or n > len(options) for n in numbers):
        return []
    return list({options[n - 1].key: options[n - 1] for n in numbers}.values())


_REASONED = re.compile(
    r"^(?:le |la |c est le |c est la )?(\d{1,2}) "
    r"(?:parce|car|surtout|pour|mais|vu|comme|because|enfin|sauf|si|par|je crois|je pense) "
)


def _number_with_reason(raw: str, options: list[Option]) -> Option | None:
    """'1 surtout pour le financement', '2 pcq jai pas le permis': the number of the list,
    then why."""
    found = _REASONED.match(" ".join(plain_words(raw)) + " ")
    if found is None or not 1 <= int(found.group(1)) <= len(options):
        return None
    return options[int(found.group(1)) - 1]


def _numbers_and_names(raw: str, options: list[Option]) -> list[Option] | None:
    """'4, 7 et autre': numbers of the list and names of options in one answer. Only when every
    other word is a name of an option or a small word."""
    words = plain_words(raw)
    numbers = [int(w) for w in words if w.isdigit()]
    if not numbers or any(n < 1 or n > len(options) for n in numbers):
        return None
    if _ranks(words):
        return None  # "1 papiers 2 travail 3 logement": an order, said with names
    if any(w.isdigit() and i and words[i - 1] in ("des", "les") for i, w in enumerate(words)):
        return None  # "aucun des 2", "tous les 2": not numbers of the list
    rest = " ".join(w for w in words if not w.isdigit())
    rest_words = words_of(rest)
    found = [m for m in option_matches(rest, options) if not m.denied and not m.fuzzy]
    matches, ambiguous = _resolve(found, rest_words)
    if ambiguous:
        return None
    covered = {i for m in matches for i in m.positions}
    leftover = [
        w
        for i, w in enumerate(rest_words)
        if i not in covered and w != BOUNDARY and w not in FILLERS and w not in STOPWORDS
    ]
    if not matches or leftover:
        return None
    picked = [options[n - 1] for n in numbers] + [m.option for m in matches]
    if any(o.exclusive for o in picked):
        return None
    return list({o.key: o for o in picked}.values())


def _ranks(words: tuple[str, ...]) -> bool:
    """'1 papiers 2 travail 3 logement': 1, 2, 3... each before a word: ranks, not choices."""
    positions = [i for i, w in enumerate(words) if w.isdigit()]
    return (
        len(positions) >= 2
        and [int(words[i]) for i in positions] == list(range(1, len(positions) + 1))
        and all(i + 1 < len(words) and not words[i + 1].isdigit() for i in positions)
    )


_FIRST_ONES = re.compile(r"^(?:les |le )?(\d) (?:premiers|premieres|1ers|1eres)$")


def _first_ones(raw: str, options: list[Option]) -> list[Option]:
    """'les 3 premiers': the first three of the list (not the exclusive ones)."""
    found = _FIRST_ONES.match(" ".join(plain_words(raw)))
    if found is None or not 1 < int(found.group(1)) <= len(options):
        return []
    first = options[: int(found.group(1))]
    return [] if any(o.exclusive for o in first) else first


_BOTH = (
    ("les", "2"), ("les", "deux"), ("tous", "les", "2"), ("tous", "les", "deux"),
    ("toutes", "les", "2"), ("toutes", "les", "deux"),
)  # fmt: skip


def _both(raw: str, options: list[Option]) -> list[Option]:
    """'les 2, j'ai eu la RQTH en janvier': where a list holds two real choices, both (not the
    second one)."""
    words = plain_words(raw)
    real = [o for o in options if o.means is None and not o.exclusive]
    if len(real) != 2 or not any(words[: len(start)] == start for start in _BOTH):
        return []
    return real


def _several_for_one(raw: str, options: list[Option]) -> bool:
    """'les 2', 'les 2 premiers' where one answer is expected and no option is named 'les deux':
    several at once, not the second option."""
    words = plain_words(raw)
    if any("deux" in w or "les 2" in w for o in options for w in [o.sms, *o.words]):
        return False  # "Les deux" is an option of its own
    return any(words[: len(start)] == start for start in _BOTH) or bool(
        _FIRST_ONES.match(" ".join(words))
    )


def _the_two_of_many(raw: str, options: list[Option]) -> bool:
    """'les 2' in a longer list: which two is not said (not the second option)."""
    words = plain_words(raw)
    real = [o for o in options if o.means is None and not o.exclusive]
    return len(real) > 2 and words in (("les", "2"), ("les", "deux"), ("tous", "les", "2"))
