"""Where a phrase's words occur in a message: in order, small gaps allowed, each word compared by
its stem, its sound or one typo (_same), an elided word glued or not ('japrend', 'linterim')."""

from __future__ import annotations

from rapidfuzz import fuzz

from .names import Phrase
from .negation import NEGATORS
from .normalising import BOUNDARY, sound, stem

_GAP_STOPS = NEGATORS | {BOUNDARY}  # a phrase's words are not looked for past these

CONTENT_FUZZY_MIN = 5  # a typo is forgiven in words of at least this many letters


Token = tuple[str, str]  # (stem, word)
# Short words that sound like an option's word but are words of their own ("peux" is not "peu").
COMMON_SHORT = {
    "peu", "pas", "par", "sur", "que", "qui", "mon", "ton", "son", "les", "des", "mes", "ses",
    "est", "ete", "une", "bus", "car", "bon", "mal", "oui", "non", "moi", "toi", "lui", "eux",
    "vie", "dur", "fin", "ans", "mai", "ici", "ces", "nos", "vos", "ont", "sont", "fai",
}  # fmt: skip
# Everyday words, spelt right, that look like an option's word ("prends" is not "parents").
COMMON_LONG = {
    "prends", "prend", "prendre", "pendant", "depuis", "toujours", "jamais", "parce", "comme",
    "quand", "maintenant", "vraiment", "beaucoup", "personne", "pourtant", "fois", "facile",
    "lecteur",  # "mon lecteur d'ecran" is not "lecture"
    "trainent", "traine", "trainer",  # "les papiers qui trainent" is not "traitement"
}  # fmt: skip


def _same(token: Token, candidate: Token) -> float:
    """1 for the same stem, 0.95 for one typo in a long word or the same sound (taken as
    said), 0.8 for a looser likeness (a guess, to confirm), else 0."""
    if token[0] == candidate[0]:
        return 1.0
    word, other = token[1], candidate[1]
    if word == BOUNDARY or other == BOUNDARY or word.isdigit() or other.isdigit():
        return 0.0
    if (
        (min(len(word), len(other)) >= 4 or (len(word) == 3 and word not in COMMON_SHORT))
        and word not in COMMON_LONG
        and len(sound(other)) >= 3
        and sound(word) == sound(other)
    ):
        return 0.95
    if min(len(word), len(other)) < CONTENT_FUZZY_MIN or word in COMMON_LONG:
        return 0.0
    ratio = fuzz.ratio(word, other)
    if ratio >= 85:
        return 0.95
    # A looser likeness keeps the first sound: "baisse" is not a typo of "caisse".
    if ratio >= 75 and min(len(word), len(other)) >= 6 and sound(word)[:1] == sound(other)[:1]:
        return 0.8
    return 0.0


ELISIONS = {"j", "l", "d", "m", "n", "s", "t", "c", "qu"}
VOWELS = set("aeiouyh")


def _glued(phrase: Phrase) -> list[Token]:
    """The phrase's words, an elided word glued to the next as people type it ("japrend")."""
    wanted: list[Token] = []
    plain = list(phrase.plain)
    index = 0
    while index < len(plain):
        word = plain[index]
        if word in ELISIONS and index + 1 < len(plain):
            glued = word + plain[index + 1]
            wanted.append((stem(glued), glued))
            index += 2
            continue
        wanted.append((phrase.words[index], word))
        index += 1
    return wanted


def _find(phrase: Phrase, tokens: tuple[Token, ...]) -> tuple[tuple[int, ...], bool] | None:
    """Positions of the phrase's words in the message, in order, with small gaps allowed."""
    found = _find_words(list(zip(phrase.words, phrase.plain, strict=True)), tokens)
    if found is None and any(w in ELISIONS for w in phrase.plain[:-1]):
        found = _find_words(_glued(phrase), tokens)
    if found is None and phrase.plain[0][:1] in VOWELS:
        # "linterim", "lessence": the article glued to the phrase's first word (exactly)
        plains = {plain for _stem, plain in tokens}
        for glued in ("l" + phrase.plain[0], "d" + phrase.plain[0]):
            if glued in plains:
                wanted = list(zip(phrase.words, phrase.plain, strict=True))
                found = _find_words([(stem(glued), glued), *wanted[1:]], tokens)
                break
    return found


def _find_words(
    wanted: list[Token], tokens: tuple[Token, ...]
) -> tuple[tuple[int, ...], bool] | None:
    """The first exact occurrence, else the first likeness ("le plus urgent c'est l'argent":
    "argent", not "urgent")."""
    guess: tuple[tuple[int, ...], bool] | None = None
    for start in range(len(tokens)):
        found = _found_at(start, wanted, tokens)
        if found is not None and not found[1]:
            return found
        guess = guess or found
    return guess


def _found_at(
    start: int, wanted: list[Token], tokens: tuple[Token, ...]
) -> tuple[tuple[int, ...], bool] | None:
    """The phrase found from ``start``: (positions, fuzzy), or None."""
    score = _same(tokens[start], wanted[0])
    if not score:
        return None
    positions, fuzzy, cursor = [start], score < 0.9, start
    for word in wanted[1:]:
        found = None
        for index in range(cursor + 1, min(len(tokens), cursor + 4)):
            if index > cursor + 1 and tokens[index - 1][1] in _GAP_STOPS:
                break  # "j'ai plus de voiture" is not "j'ai une voiture"
            similarity = _same(tokens[index], word)
            if similarity:
                found = index
                fuzzy = fuzzy or similarity < 0.9
                break
        if found is None:
            return None
        positions.append(found)
        cursor = found
    return tuple(positions), fuzzy
