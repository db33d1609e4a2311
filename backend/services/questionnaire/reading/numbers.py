"""Numbers said in a message: the list's numbers ('1 et 3', 'le deuxieme') and a quantity ('une
quinzaine de km', '30km pas plus')."""

from __future__ import annotations

from itertools import pairwise

from rapidfuzz import fuzz

from .normalising import plain_words

# Words that may sit between numbers: "1 et 3", "le 2 et le 5", "choix 4", "reponse 2 stp".
FILLERS = {
    "et", "le", "la", "les", "l", "n", "no", "num", "numero", "numeros", "choix", "reponse",
    "reponses", "puis", "aussi", "stp", "svp", "merci", "c", "est", "ce", "sont", "je",
    "choisis", "prends", "mets", "pour", "moi", "plus", "a", "au", "km", "kms", "kilometres",
    "kilometre", "environ", "max", "maximum", "jusqu", "ou", "option", "options", "oui",
    "bah", "ben", "euh", "alors", "donc", "voila", "hmm", "heu", "bon", "dirais", "dire",
    "peu", "abord", "dabord", "apres", "ensuite", "surtout", "enfin", "d", "mais",
}  # fmt: skip
# "la 2e", "le 1er": an ordinal's ending, typed apart from its number.
ORDINAL_ENDS = {"e", "eme", "er", "ere", "re"}
FILLERS |= ORDINAL_ENDS


# Small numbers text2num leaves as words, ordinals, and their phone spellings.
NUMBER_WORDS = {
    "un": 1, "une": 1, "premier": 1, "premiere": 1, "deux": 2, "deuxieme": 2, "trois": 3,
    "troisieme": 3, "quatre": 4, "quatrieme": 4, "cinq": 5, "cinquieme": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "deu": 2, "troi": 3, "katre": 4, "cat": 4,
    "sinq": 5, "cinqs": 5, "sis": 6, "set": 7, "uit": 8, "1er": 1, "1ere": 1, "2eme": 2,
    "3eme": 3, "4eme": 4, "5eme": 5, "2e": 2, "3e": 3, "4e": 4, "5e": 5, "onze": 11,
    "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "cent": 100,
}  # fmt: skip
# Typos are forgiven on cardinals only ("primere" is not "premiere" = 1).
FUZZY_NUMBERS = [w for w in ("quatre", "trois", "deux", "cinq", "sept", "huit", "neuf")]


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
    numbers: list[int] = []
    tokens = plain_words(text)
    if any(a in ("un", "une") and b == "peu" for a, b in pairwise(tokens)):
        return None  # "un peu aussi" is an amount, not option 1
    for token in tokens:
        if token in FILLERS or token == "+":
            continue
        number = _number_word(token)
        if number is None:
            return None
        numbers.append(number)
    return numbers or None


# A number followed by one of these counts something else than kilometres: "je descends du
# bus 2 sec", "30 minutes en bus", "j'ai 3 enfants".
OTHER_UNITS = {
    "s", "sec", "secs", "seconde", "secondes", "min", "mn", "mins", "minute", "minutes", "h",
    "heure", "heures", "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "enfant",
    "enfants", "euro", "euros", "eur", "balles", "fois",
}  # fmt: skip


def quantity_in(text: str) -> int | None:
    """The number a sentence gives ('15 km maxi', 'une vingtaine de km', '30km pas plus'):
    the one before 'km' when there is one, else the only number, else the largest; never a
    number of minutes, children or euros."""
    words = plain_words(text)
    numbers = [
        (i, int(w) if w.isdigit() else NUMBER_WORDS[w])
        for i, w in enumerate(words)
        if (w.isdigit() or (w in NUMBER_WORDS and w not in ("un", "une")))
        and (words[i + 1] if i + 1 < len(words) else "") not in OTHER_UNITS
    ]
    if not numbers:
        return None
    for index, value in numbers:
        if index + 1 < len(words) and words[index + 1] in ("km", "kms", "kilometres", "kilometre"):
            return value
    return max(value for _, value in numbers)
