"""A message as the matcher sees it: normalised, SMS spellings expanded, numbers written in
digits, hesitations dropped, clause ends marked; a word's stem and rough sound."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from text_to_num import alpha2digit

from ..foreign import in_french

# How SMS writes a few words ("jai" for "j'ai", "chui" for "je suis").
SMS_WORDS = {
    "jai": "j ai", "jé": "j ai", "g": "j ai", "jsuis": "je suis", "chui": "je suis",
    "chuis": "je suis", "jsui": "je suis", "jsais": "je sais", "jpeux": "je peux",
    "jpe": "je peux", "jveux": "je veux", "jbosse": "je bosse", "jtravaille": "je travaille",
    "darons": "parents", "daronne": "mere", "daron": "pere", "reum": "mere", "pcq": "parce que",
    "pck": "parce que", "guere": "pas", "vint": "vingt", "tem": "temps", "tan": "tant",
    "osef": "peu importe",
    "ya": "il y a", "yen": "il y en", "pa": "pas", "pr": "pour", "ds": "dans", "bcp": "beaucoup",
    "tt": "tout", "tjs": "toujours", "mtn": "maintenant", "mnt": "maintenant", "ms": "mais",
    "kan": "quand", "koi": "quoi", "ke": "que", "ki": "qui", "kom": "comme", "cmme": "comme",
    "moto": "moto", "voitur": "voiture", "nn": "non", "ouai": "ouais", "wi": "oui", "oe": "ouais",
    "dac": "d accord", "daccord": "d accord", "ok": "ok", "vla": "voila", "tte": "toute",
    "tro": "trop", "bo": "beau", "ptit": "petit", "pti": "petit", "tit": "petit",
    "aps": "pas", "nest": "n est", "cest": "c est", "jen": "j en", "jme": "je me",
    "jsp": "je sais pas", "jpense": "je pense", "jfais": "je fais", "tkt": "t inquiete",
    "pk": "pourquoi", "psk": "parce que", "cad": "c est a dire", "dla": "de la",
    "dle": "de le", "ct": "c etait", "plu": "plus", "pourkoi": "pourquoi",
    "depui": "depuis", "dpuis": "depuis", "lontan": "longtemps", "lontemps": "longtemps",
    "longtemp": "longtemps", "deu": "deux", "jamai": "jamais", "lecole": "l ecole",
    "sai": "sais", "fai": "fait", "dernie": "dernier", "derniere": "derniere",
    "jusqa": "jusqu a", "jusca": "jusqu a", "boucou": "beaucoup", "bocou": "beaucoup",
    "boucoup": "beaucoup", "jarrive": "j arrive", "lete": "l ete",
    "ale": "alle", "didentite": "d identite", "jdors": "je dors", "qd": "quand", "dabord": "d abord",
    "permi": "permis", "largen": "l argent", "jecri": "j ecris", "jecris": "j ecris",
    "dificil": "difficile", "dificile": "difficile", "difficil": "difficile",
    "jcherche": "je cherche", "jetais": "j etais", "jetai": "j etais", "javais": "j avais",
}  # fmt: skip
# "une vingtaine de km": approximate numbers text2num leaves as words.
APPROXIMATE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}  # fmt: skip


# Ligatures NFKD leaves whole ("cœur").
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").translate(LIGATURES))
    return "".join(c for c in text if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """Lower case, no accents, letters/digits/+ only, single spaces."""
    text = strip_accents(text).lower().replace("’", "'").replace("€", " euros ")
    text = re.sub(r"[^a-z0-9+]+", " ", text)
    return " ".join(text.split())


_SMALL = {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5}
BOUNDARY = "|"  # where a sentence or a clause ends: negations do not cross it
FILLER_WORDS = {"euh", "heu", "ben", "bah", "bon", "hmm", "hum", "alors", "genre", "enfin"}


def _expand(word: str) -> str:
    if word in SMS_WORDS:
        return SMS_WORDS[word]
    # "jprend", "jpasse", "jcherche": "je" glued to a verb
    if re.fullmatch(r"j[bcdfgklmnpqrstvwxz][a-z]{2,}", word):
        return "je " + word[1:]
    return word


@lru_cache(maxsize=4096)
def words_of(raw: str) -> tuple[str, ...]:
    """The words of a message as the matcher sees them: normalised, SMS spellings expanded,
    numbers written in words turned into digits ("quinze" -> "15"), hesitations dropped, and
    "|" where a sentence or a clause ends (after . , ; : ! ? or a dash between spaces)."""
    marked = re.sub(r"[.,;:!?\n]+| [-–—] ", " zzbound ", raw or "")
    text = in_french(normalise(marked))
    # "oui sept bon": a dictated "c'est" ("bon" is dropped as a hesitation just below)
    text = re.sub(r"\bsept (bon|bien|ok|pas|vrai|tout|ca|juste|dur)\b", r"c est \1", text)
    text = re.sub(r"\bet (en cours|en attente)\b", r"est \1", text)  # "la rqth et en cours"
    text = re.sub(r"\bbac ?(?:\+|plus) ?(\d)\b", r"bac+\1", text)  # "bac plus 2"
    text = re.sub(  # "trois ans apres le bac"
        r"\b(\d|deux|trois|quatre|cinq) ans? apres le bac\b",
        lambda m: "bac+" + str(_SMALL.get(m.group(1), m.group(1))),
        text,
    )
    text = re.sub(r"\bje (sait|sai|se)\b", "je sais", text)  # "mi sait pas" -> "je sait pas"
    text = re.sub(r"\bde plus en plus\b", "encore", text)  # not a negation
    text = re.sub(r"\bpu (d|de|du|des)\b", r"plus \1", text)  # "pu d'interim" (Nord)
    text = re.sub(r"\b(jai|j ai|je|jé|g) u\b", r"\1 eu", text)  # "jé u le code"
    expanded = " ".join(_expand(w) for w in text.split() if w not in FILLER_WORDS)
    expanded = re.sub(r"\bsa va\b", "ca va", expanded)  # "ça va" as it sounds
    expanded = re.sub(r"(\d+)([a-z]+)", r"\1 \2", expanded)  # "30km" -> "30 km"
    expanded = re.sub(r"\b(\d+) (ere|er|re|nde|eme|e)\b", r"\1\2", expanded)  # "1 ere" -> "1ere"
    try:
        converted = alpha2digit(expanded, "fr")
    except ValueError:  # text2num refuses some inputs; the words are kept as they are
        converted = expanded
    converted = re.sub(r"(\d+)([a-z]+)", r"\1 \2", converted)
    words = [BOUNDARY if w == "zzbound" else str(APPROXIMATE.get(w, w)) for w in converted.split()]
    while words and words[0] == BOUNDARY:
        words.pop(0)
    while words and words[-1] == BOUNDARY:
        words.pop()
    return tuple(words)


def plain_words(raw: str) -> tuple[str, ...]:
    """The words without clause marks (for keywords and numbers)."""
    return tuple(w for w in words_of(raw) if w != BOUNDARY)


_stemmer = snowballstemmer.stemmer("french")

# How a French word sounds, roughly: "bocou" ~ "beaucoup", "fransé" ~ "français", "papié" ~
# "papiers", "mézon" ~ "maison", "lir" ~ "lire". People who write as they speak are many here.
_SOUNDS = [
    (r"(.)\1+", r"\1"),  # doubled letters
    (r"[stdpx]$", ""), (r"[stdpx]$", ""),  # silent endings: "papiers", "longtemps"
    (r"(ai|ei|et|er|ez)$", "e"), (r"([^aeiou])e$", r"\1"), (r"e$", ""),
    (r"eau|au", "o"), (r"ph", "f"), (r"ch", "x"), (r"gn|ng", "n"), (r"([aeiou])ill?", r"\1i"),
    (r"y", "i"), (r"h", ""), (r"w", "v"), (r"gu([ei])", r"g\1"), (r"g([ei])", r"j\1"),
    (r"tion", "sion"), (r"qu", "k"), (r"[cçkqsz]+", "k"),
    (r"oi", "wa"), (r"ou", "u"), (r"ai|ei", "e"),
    (r"[ae][nm]([^aeiou]|$)", r"an\1"), (r"(ain|ein|im|un)([^aeiou]|$)", r"in\2"),
    (r"(.)\1+", r"\1"),
]  # fmt: skip


@lru_cache(maxsize=8192)
def sound(word: str) -> str:
    key = word
    for pattern, replacement in _SOUNDS:
        key = re.sub(pattern, replacement, key)
    return key


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    return _stemmer.stemWord(word)


def _clause_start(words: tuple[str, ...], at: int) -> int:
    return max([i + 1 for i, w in enumerate(words[:at]) if w == BOUNDARY] or [0])
