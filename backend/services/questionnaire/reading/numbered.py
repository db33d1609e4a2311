"""Answers given by the numbers of the list: '1 3', '2 pcq jai pas le permis' (a number, then
why), '4, 7 et autre' (numbers and names), 'les 3 premiers'."""

from __future__ import annotations

import re

from ..schema import Option
from .matching import _resolve, option_matches
from .names import STOPWORDS, option_phrases
from .normalising import BOUNDARY, plain_words, words_of
from .numbers import FILLERS, ORDINAL_ENDS, numbers_in

# "le dernier", "celui du milieu": a place in the list shown, said in words.
_LAST = {"dernier", "derniere", "bas"}
_PLACE = re.compile(
    r"\b(?:(?:le|la|l) (?:dernier|derniere)|(?:celui|celle) (?:du|d en) (?:bas|milieu|haut))\b"
)


def _places_as_numbers(text: str, options: list[Option]) -> str:
    """'le dernier' -> 'le 7' where seven options are shown; 'celui du milieu' -> the middle
    one where there is one. Other words are left as they are."""

    def number(found: re.Match[str]) -> str:
        last = found.group(0).split()[-1]
        if last in _LAST:
            return str(len(options))
        if last == "haut":
            return "1"
        return str(len(options) // 2 + 1) if len(options) % 2 else found.group(0)

    return _PLACE.sub(number, " ".join(plain_words(text)))


def _names_ordinals(options: list[Option]) -> bool:
    """'Primaire a 4e', '3eme': where options are named by ordinals (school years), '4e' is
    that year, not the fourth option."""
    return any(
        set(p.plain) & ORDINAL_ENDS and any(w.isdigit() for w in p.plain)
        for o in options
        for p in option_phrases(o)
    )


def _by_numbers(text: str, options: list[Option]) -> list[Option] | None:
    if set(plain_words(text)) & ORDINAL_ENDS and _names_ordinals(options):
        return None
    numbers = numbers_in(_places_as_numbers(text, options))
    if numbers is None:
        return None
    if any(n < 1 or n > len(options) for n in numbers):
        return []
    return list({options[n - 1].key: options[n - 1] for n in numbers}.values())


_REASONED = re.compile(
    r"^(?:le |la |c est le |c est la )?(\d{1,2}) "
    r"(?:parce|car|surtout|pour|mais|vu|comme|because|enfin|sauf|si|par|je crois|je pense) "
)


def _numbers_then_why(raw: str, options: list[Option], multi: bool) -> list[Option]:
    """'le 2, jai quitte l'ecole a 14 ans', 'le 2 et le 6, je vais aux restos du coeur': the
    numbers of the list in the first clause, then why, in words that name no other option."""
    words = words_of(raw)
    if BOUNDARY not in words or words.index(BOUNDARY) == 0:
        return []
    cut = words.index(BOUNDARY)
    picked = _by_numbers(" ".join(words[:cut]), options)
    if not picked or (not multi and len(picked) != 1) or any(o.exclusive for o in picked):
        return []
    rest = " ".join(w for w in words[cut + 1 :] if w != BOUNDARY)
    named = {m.option.key for m in option_matches(rest, options) if not m.denied}
    return picked if named <= {o.key for o in picked} else []


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
    if any(
        w.isdigit() and words[i + 1 : i + 2] and words[i + 1] in ORDINAL_ENDS
        for i, w in enumerate(words)
    ):
        return None  # "le transport en 1er, apres la formation": a rank beside a name
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


_FIRST_ONES = re.compile(r"^(?:les |le )?(\d|deux|trois|quatre) (?:premiers|premieres|1ers|1eres)$")
_SMALL_NUMBERS = {"deux": 2, "trois": 3, "quatre": 4}


def _first_ones(raw: str, options: list[Option]) -> list[Option]:
    """'les 3 premiers': the first three of the list (not the exclusive ones)."""
    found = _FIRST_ONES.match(" ".join(plain_words(raw)))
    if found is None:
        return []
    count = _SMALL_NUMBERS.get(found.group(1)) or int(found.group(1))
    if not 1 < count <= len(options):
        return []
    first = options[:count]
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
