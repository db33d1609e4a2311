"""The names an option is known by, as phrases of stems: its SMS label split at commas, its
longer label, its words in bot/questionnaire.yml; and its compounds ('plein & partiel': every
part must be said)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Option
from .negation import NEGATORS
from .normalising import plain_words, stem

# Small words that never name an option on their own.
STOPWORDS = {
    "je", "j", "suis", "un", "une", "de", "des", "du", "le", "la", "les", "l", "et",
    "en", "a", "au", "aux", "mon", "ma", "mes", "pour", "avec", "d", "ou", "il", "y", "me",
    "m", "moi", "c", "ca", "que", "qui", "on", "mais", "plutot", "tres", "bien",
    "euh", "ben", "bah", "alors", "donc", "voila", "est", "s", "t", "qu", "se", "sa", "son",
    "ses", "chez", "par", "dans", "sur", "ce", "cette", "ces", "vous", "nous", "tu", "te",
}  # fmt: skip


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # stems
    plain: tuple[str, ...]  # the words themselves (typos are measured on them)
    rank: int  # 0 for the first name of the option's label, higher for later names and words
    negative: bool  # the phrase itself says no ("Pas d'internet", "Aucun transport")


def _phrase_words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in plain_words(text))


def _content(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in STOPWORDS)


_PHRASES: dict[int, tuple[Option, tuple[Phrase, ...]]] = {}


def option_phrases(option: Option) -> tuple[Phrase, ...]:
    """The option's names as phrases (cached per option object: options are frozen)."""
    cached = _PHRASES.get(id(option))
    if cached is not None and cached[0] is option:
        return cached[1]
    phrases = _build_phrases(option)
    _PHRASES[id(option)] = (option, phrases)
    return phrases


def _build_phrases(option: Option) -> tuple[Phrase, ...]:
    names = [p.strip() for p in option.sms.split(",")]
    if option.label:
        names += [p.strip() for p in re.split(r"[,/]", option.label)]
    names += [w for w in option.words if COMPOUND not in w]
    phrases: list[Phrase] = []
    seen: set[tuple[str, ...]] = set()
    for rank, name in enumerate(names):
        plain = plain_words(name)
        for candidate in (plain, _content(plain), *_other_negations(plain)):
            stems = tuple(stem(w) for w in candidate)
            if all(w.isdigit() for w in candidate):
                continue  # "les 2" must not make "2" a name: digits are the list's numbers
            if stems not in seen:
                seen.add(stems)
                negative = any(w in NEGATORS for w in candidate)
                phrases.append(Phrase(stems, candidate, rank if rank < 2 else 10 + rank, negative))
    return tuple(phrases)


# "plus de voiture & pas de bus": every part must be said (in any order) to name the option.
COMPOUND = " & "
_COMPOUNDS: dict[int, tuple[Option, tuple[tuple[Phrase, ...], ...]]] = {}


def option_compounds(option: Option) -> tuple[tuple[Phrase, ...], ...]:
    cached = _COMPOUNDS.get(id(option))
    if cached is not None and cached[0] is option:
        return cached[1]
    compounds = tuple(
        tuple(
            Phrase(tuple(stem(w) for w in plain), plain, 30, any(w in NEGATORS for w in plain))
            for plain in (plain_words(part) for part in word.split(COMPOUND))
        )
        for word in option.words
        if COMPOUND in word
    )
    _COMPOUNDS[id(option)] = (option, compounds)
    return compounds


def _other_negations(plain: tuple[str, ...]) -> list[tuple[str, ...]]:
    """'pas d'internet' is also said 'ni internet' or 'sans internet'."""
    if len(plain) > 2 and plain[0] == "pas" and plain[1] in ("de", "d", "du", "des"):
        return [("ni", *plain[2:]), ("sans", *plain[2:])]
    return []
