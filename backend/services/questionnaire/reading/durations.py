"""Answers that are times: how long ago ('depuis 2019', 'il y a 5 ans', 'l'an dernier', 'jusqu'en
mars') for options with years_ago, and a state that still lasts ('je travaille depuis 2019') or
is named in full ('je suis toujours en CDI') rather than a time."""

from __future__ import annotations

import re
from datetime import date

from ..schema import Option
from .keywords import YES
from .matching import option_matches
from .negation import NEGATORS, SUBJECTS
from .normalising import BOUNDARY, words_of
from .numbers import _number_word
from .whose import _theirs


def _ongoing(raw: str, options: list[Option]) -> Option | None:
    """'je travaille depuis 2019', 'je bosse depuis 3 ans': an option said plainly (not denied)
    right before 'depuis' is a state that still lasts; the date is not how long ago it ended."""
    words = words_of(raw)
    if "depuis" not in words or not any(o.years_ago is not None for o in options):
        return None
    since = words.index("depuis")
    for match in option_matches(raw, options, theirs=True):
        if (
            match.option.years_ago is None
            and not match.denied
            and not match.fuzzy
            and match.score >= 1
            and match.positions[-1] < since
            and any(words[i] not in NEGATORS and words[i] not in YES for i in match.positions)
            and all(w != BOUNDARY for w in words[match.positions[-1] : since])
        ):
            return match.option
    return None


YEAR_BEFORE = {"depuis", "en", "fin", "jusqu", "jusque", "jusquen", "jusqua", "a", "avant"}
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")
_UNITS = {"an": 1.0, "ans": 1.0, "annee": 1.0, "annees": 1.0, "mois": 1 / 12, "semaine": 1 / 52,
          "semaines": 1 / 52}  # fmt: skip


# How long ago, in years, for phrases without a number ("l'an dernier", "il y a longtemps").
_RELATIVE_TIMES = (
    ("l an dernier", 1.0), ("l annee derniere", 1.0), ("l an passe", 1.0),
    ("l annee passee", 1.0), ("l annee passe", 1.0), ("cette annee", 0.3), ("l ete dernier", 0.4), ("le mois dernier", 0.1),
    ("la semaine derniere", 0.02), ("il y a quelques mois", 0.3), ("ya quelques mois", 0.3),
    ("il y a peu", 0.3), ("recemment", 0.3), ("il y a longtemps", 5.0), ("ya longtemps", 5.0),
    ("depuis longtemps", 5.0), ("ca fait longtemps", 5.0), ("des annees", 5.0),
    ("quelques annees", 3.0), ("plusieurs annees", 3.0), ("l ete dernier", 0.5),
    ("l ete passe", 0.5), ("l hiver dernier", 0.7), ("cet ete", 0.3), ("cet hiver", 0.3),
)  # fmt: skip


MONTHS = {
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre",
}  # fmt: skip


def _since_month(words: tuple[str, ...]) -> float | None:
    """'jusqu'en mars', 'fin octobre', 'plus depuis octobre': a job that ended this year."""
    for index, word in enumerate(words[1:], start=1):
        if word not in MONTHS:
            continue
        before = words[index - 1]
        if before in ("jusqu", "jusque", "jusquen", "jusqua", "fin", "en"):
            return 0.5
        if before == "depuis" and any(w in ("plus", "pas") for w in words[:index]):
            return 0.5
    return None


def _said_outright(raw: str, options: list[Option]) -> bool:
    """'je suis toujours en CDI, mais en arret maladie depuis 7 mois': a state named in full
    (not a time) outweighs how long ago something else began."""
    words = words_of(raw)
    return any(
        m.option.years_ago is None
        and not m.denied
        and not m.fuzzy
        and len(m.positions) >= 3
        and words[m.positions[0]] in SUBJECTS  # "je suis en CDI", not "a mon compte pendant"
        for m in option_matches(raw, options, theirs=True)
    )


def _own_words(raw: str) -> tuple[str, ...]:
    """The message's words without the clauses about a relative ('mon grand frere lui il bosse
    en interim depuis 2 ans': his time, not the person's)."""
    clauses: list[list[str]] = [[]]
    for word in words_of(raw):
        if word == BOUNDARY:
            clauses.append([])
        else:
            clauses[-1].append(word)
    return tuple(w for c in clauses if c and not _theirs(tuple(c), (len(c) - 1,)) for w in c)


def _by_duration(raw: str, options: list[Option]) -> Option | None:
    """'depuis 2019', 'il y a 5 ans', 'ca fait 3 mois', 'l'an dernier': the option for that long
    ago."""
    timed = [o for o in options if o.years_ago is not None]
    if not timed:
        return None
    words = _own_words(raw)
    years: float | None = None
    for index, word in enumerate(words):
        count = int(word) if word.isdigit() else _number_word(word)
        unit = index + 1
        if unit + 1 < len(words) and words[unit] in ("d", "de") and words[unit + 1] in _UNITS:
            unit += 1  # "depuis une dizaine d'annees"
        if _YEAR.match(word) and index > 0 and words[index - 1] in YEAR_BEFORE:
            years = date.today().year - int(word)
        elif count is not None and unit < len(words) and words[unit] in _UNITS:
            before = words[max(0, index - 6) : index]  # "il y a un peu plus de 3 ans"
            if before[-1:] in (("pendant",), ("durant",)) or before[-3:] in (
                ("j", "ai", "fait"),
                ("jai", "fait"),
            ):
                continue  # "pendant 31 ans", "j'ai fait 3 mois": how long it lasted
            # "il y a 3 ans" ("y", "a"), not "mariee a 19 ans" (an age)
            if any(w in ("depuis", "ya", "y", "fait", "faire", "remonte") for w in before):
                years = count * _UNITS[words[unit]]
    if years is None:
        years = _since_month(words)
    if years is None:
        text = " " + " ".join(words) + " "
        years = next((y for phrase, y in _RELATIVE_TIMES if f" {phrase} " in text), None)
    if years is None:
        return None
    for option in timed:
        low, high = option.years_ago or (0, 0)
        if low <= years < high:
            return option
    return None
