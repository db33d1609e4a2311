"""Understand an answer as people type it on a phone: "1 3", "1,3", "1 et 3", "trois", option
words with typos and no accents, "ouais", "je sais pas", "passer", "retour", "aide"..."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from rapidfuzz import fuzz

from .schema import Option, Question

Kind = Literal["answer", "skip", "back", "help", "resume", "pause", "unclear"]


@dataclass
class Parsed:
    kind: Kind
    value: Any = None  # option keys (list) for choices, str for text, int for number
    reason: str = ""  # why it is unclear: "choice", "multi", "number", "text"
    options: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower case, no accents, letters/digits/+ only, single spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'")
    text = re.sub(r"[^a-z0-9+]+", " ", text)
    return " ".join(text.split())


def _phrases(*items: str) -> set[str]:
    return {normalise(i) for i in items}


YES = _phrases(
    "oui", "ouais", "ouai", "oue", "ouep", "wi", "ui", "yes", "yep", "ok", "okay", "oki",
    "d'accord", "daccord", "dac", "bien sur", "exact", "exactement", "voila", "carrement",
    "volontiers", "oui oui", "oui bien sur", "ouii", "ouiii", "si",
)  # fmt: skip
NO = _phrases("non", "nan", "no", "nope", "nop", "non merci", "pas du tout", "nn", "nonn")
DONT_KNOW = _phrases(
    "je sais pas", "je ne sais pas", "sais pas", "jsp", "chais pas", "j sais pas",
    "jsais pas", "ne sais pas", "aucune idee", "je c pas", "je sai pas", "je sait pas",
    "sait pas", "sai pas", "je ne sait pas", "sais plus", "je sais plus", "nsp",
)  # fmt: skip
SKIP = _phrases(
    "passer", "passe", "pass", "je passe", "suivant", "suivante", "question suivante",
    "skip", "pas de reponse", "je prefere pas", "je prefere ne pas repondre",
    "je ne veux pas repondre", "je veux pas repondre", "pas envie", "joker",
)  # fmt: skip
BACK = _phrases(
    "retour", "revenir", "precedent", "precedente", "question precedente", "retour arriere",
    "je me suis trompe", "je me suis trompee", "erreur", "retourner", "en arriere",
)  # fmt: skip
HELP = _phrases(
    "aide", "help", "aidez moi", "je comprends pas", "je comprend pas", "comprends pas",
    "comprend pas", "j ai pas compris", "jai pas compris", "c quoi", "c est quoi",
    "cest quoi", "comment", "comment ca", "hein", "quoi",
)  # fmt: skip
RESUME = _phrases(
    "reprendre", "reprend", "reprends", "continuer", "continue", "on reprend", "on continue",
    "bonjour", "bonsoir", "salut", "coucou", "bjr", "slt", "hello", "cc", "re", "rebonjour",
    "me revoila", "je suis la", "questionnaire", "pre diagnostic", "prediagnostic",
)  # fmt: skip
PAUSE = _phrases(
    "plus tard", "pause", "apres", "later", "pas maintenant", "je continue plus tard",
    "a plus tard", "une autre fois", "demain", "continuer plus tard",
)  # fmt: skip
KEYWORDS: list[tuple[Kind, set[str]]] = [
    ("back", BACK),
    ("help", HELP),
    ("pause", PAUSE),
    ("resume", RESUME),
]

NUMBER_WORDS = {
    "un": 1, "une": 1, "premier": 1, "premiere": 1, "deux": 2, "deuxieme": 2, "trois": 3,
    "troisieme": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "cent": 100, "deu": 2, "troi": 3, "katre": 4, "cat": 4, "sinq": 5, "cinqs": 5, "sis": 6,
    "set": 7, "uit": 8,
}  # fmt: skip
# Typos are forgiven on cardinals only ("primere" is not "premiere" = 1).
FUZZY_NUMBERS = [
    w for w in NUMBER_WORDS if len(w) >= 4 and not w.startswith(("prem", "deuxi", "trois"))
]
FUZZY_NUMBERS.append("trois")
# Words that may sit between numbers: "1 et 3", "le 2 et le 5", "choix 4", "reponse 2 stp".
FILLERS = {
    "et", "le", "la", "les", "l", "n", "no", "num", "numero", "numeros", "choix", "reponse",
    "reponses", "puis", "aussi", "stp", "svp", "merci", "c", "est", "ce", "sont", "je",
    "choisis", "prends", "mets", "pour", "moi", "plus", "a", "au", "km", "kms", "kilometres",
    "kilometre", "environ", "max", "maximum", "jusqu",
}  # fmt: skip
STOPWORDS = {
    "je", "j", "suis", "ai", "un", "une", "de", "des", "du", "le", "la", "les", "l", "et",
    "en", "a", "au", "aux", "mon", "ma", "mes", "pour", "avec", "d", "ou", "il", "y", "me",
    "m", "moi", "c", "est", "ca", "que", "qui", "on", "mais", "pas", "plutot", "tres", "bien",
}  # fmt: skip


def _match_set(text: str, phrases: set[str]) -> bool:
    if text in phrases:
        return True
    # One typo in a short keyword ("retoure", "passerr", "ouaiss") still counts.
    return len(text) >= 4 and any(
        len(p) >= 4 and abs(len(p) - len(text)) <= 2 and fuzz.ratio(text, p) >= 85 for p in phrases
    )


def _number_word(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    if len(token) >= 4:
        best = max(FUZZY_NUMBERS, key=lambda w: fuzz.ratio(token, w))
        if fuzz.ratio(token, best) >= 80:
            return NUMBER_WORDS[best]
    return None


def numbers_in(text: str) -> list[int] | None:
    """The numbers of a text made only of numbers and small words ('1 et 3'), else None."""
    tokens = re.sub(r"(\d+)", r" \1 ", text).split()
    numbers: list[int] = []
    for token in tokens:
        if token in FILLERS or token == "+":
            continue
        number = _number_word(token)
        if number is None:
            return None
        numbers.append(number)
    return numbers or None


def _option_words(option: Option) -> list[str]:
    return [normalise(p) for p in [option.sms, option.label or "", *option.words] if p]


def _word_match(word: str, candidates: list[str]) -> float:
    """1 for the word itself, 0.85 for a near miss (a typo), 0 otherwise."""
    if word in candidates:
        return 1.0
    for candidate in candidates:
        if len(word) >= 4 and len(candidate) >= 4 and fuzz.ratio(word, candidate) >= 80:
            return 0.85
    return 0.0


def match_option(text: str, options: list[Option]) -> Option | None:
    """The one option a phrase designates (typos and missing accents allowed), or None."""
    if not text:
        return None
    scored: list[tuple[float, Option]] = []
    for option in options:
        phrases = _option_words(option)
        if text in phrases:
            return option
        whole = max(fuzz.ratio(text, p) for p in phrases)
        words = [w for w in text.split() if w not in STOPWORDS] or text.split()
        option_words = [w for p in phrases for w in p.split()]
        share = sum(_word_match(w, option_words) for w in words) / len(words)
        score = max(whole / 100 if whole >= 85 else 0, share if share >= 0.5 else 0)
        if score:
            scored.append((score, option))
    if not scored:
        return None
    scored.sort(key=lambda s: s[0], reverse=True)
    if len(scored) > 1 and scored[0][0] - scored[1][0] < 0.1:
        return None  # two options fit equally: ask again rather than guess
    return scored[0][1]


def _by_meaning(text: str, options: list[Option]) -> Option | None:
    for meaning, phrases in (("yes", YES), ("no", NO), ("dont_know", DONT_KNOW)):
        if _match_set(text, phrases):
            return next((o for o in options if o.means == meaning), None)
    return None


def _choices(text: str, options: list[Option], multi: bool) -> list[Option] | None:
    numbers = numbers_in(text)
    if numbers is not None:
        if any(n < 1 or n > len(options) for n in numbers):
            return None
        picked = list(dict.fromkeys(options[n - 1].key for n in numbers))
        return [o for key in picked for o in options if o.key == key]
    if multi:
        parts = [p for p in re.split(r"\s*(?:\bet\b|\+|\bpuis\b|\baussi\b)\s*", text) if p.strip()]
        several = _several(parts, options) if len(parts) > 1 else None
        if several:
            return several
    whole = match_option(text, options) or _by_meaning(text, options)
    if whole is not None:
        return [whole]
    if not multi:
        return None
    # "logement transport": each meaningful word names its own option.
    words = [w for w in text.split() if w not in STOPWORDS]
    return _several(words, options) if len(words) > 1 else None


def _several(parts: list[str], options: list[Option]) -> list[Option] | None:
    found: list[Option] = []
    for part in parts:
        numbers = numbers_in(part)
        if numbers is not None:
            if any(n < 1 or n > len(options) for n in numbers):
                return None
            found += [options[n - 1] for n in numbers]
            continue
        option = match_option(part.strip(), options)
        if option is None:
            return None
        found.append(option)
    return list({o.key: o for o in found}.values())


def parse_answer(question: Question, options: list[Option], raw: str) -> Parsed:
    """Parse ``raw`` against ``question`` whose visible options are ``options`` (in order)."""
    comma_split = re.split(r"[,;/\n]+", raw or "")
    text = normalise(raw)
    if not text:
        return Parsed("unclear", reason=_reason(question))
    for kind, phrases in KEYWORDS:
        if _match_set(text, phrases):
            return Parsed(kind)
    dont_know = _match_set(text, DONT_KNOW)
    skippable = question.type not in ("consent", "confirm")
    if _match_set(text, SKIP):
        return Parsed("skip") if skippable else Parsed("unclear", reason=_reason(question))

    if question.type in ("consent", "single", "multi", "confirm"):
        multi = question.type == "multi"
        if multi and len(comma_split) > 1:
            picked = _choices(normalise(" + ".join(comma_split)), options, multi)
        else:
            picked = _choices(text, options, multi)
        if picked is None and dont_know:
            return Parsed("skip") if skippable else Parsed("unclear", reason=_reason(question))
        if not picked or (not multi and len(picked) != 1):
            return Parsed("unclear", reason=_reason(question))
        if multi and len(picked) > 1 and any(o.exclusive for o in picked):
            return Parsed("unclear", reason="multi")
        return Parsed("answer", value=[o.key for o in picked], options=[o.key for o in picked])

    if dont_know:
        return Parsed("skip")
    if question.type == "number":
        numbers = numbers_in(text)
        if not numbers or len(numbers) != 1:
            return Parsed("unclear", reason="number")
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else 10_000
        if not low <= numbers[0] <= high:
            return Parsed("unclear", reason="number")
        return Parsed("answer", value=numbers[0])

    # Free text: kept as typed (trimmed), as long as it has some letters.
    kept = " ".join((raw or "").split())
    if sum(c.isalpha() for c in kept) < 2:
        return Parsed("unclear", reason="text")
    return Parsed("answer", value=kept[:300])


def _reason(question: Question) -> str:
    return {"multi": "multi", "number": "number", "text": "text"}.get(question.type, "choice")
