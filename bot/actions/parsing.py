"""Reading what people type on a phone: dates, postal codes, phone numbers, keywords.

Stdlib only (the action server runs in the Rasa environment). Lenient on purpose: no accents,
SMS spelling, several date shapes.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
UNKNOWN_WORDS = {"je sais pas", "sais pas", "je ne sais pas", "jsp", "aucune idee", "pas encore"}
SKIP_WORDS = {
    "passer",
    "non",
    "rien",
    "je prefere ne pas dire",
    "pas envie",
    "peu importe",
    "nimporte",
    "n importe",
    "n importe quand",
    "pas de preference",
    "quand vous voulez",
    "-",
}
CANCEL_WORDS = {
    "annuler",
    "annule",
    "laisse tomber",
    "laissez tomber",
    "abandonner",
    "arreter",
    "retour",
    "menu",
}


def normalise(text: str | None) -> str:
    text = unicodedata.normalize("NFD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", " ").replace("’", " ")
    return " ".join(re.sub(r"[^a-z0-9/ .-]+", " ", text).split()).strip(" .")


def is_cancel(text: str | None) -> bool:
    return normalise(text) in CANCEL_WORDS


def is_skip(text: str | None) -> bool:
    return normalise(text) in SKIP_WORDS


def is_unknown(text: str | None) -> bool:
    return normalise(text) in UNKNOWN_WORDS


def _year(raw: str | None, today: date, past: bool, day: int, month: int) -> int | None:
    if raw is None:
        # No year: the next such date (or the last one, for a past date).
        candidate = today.year
        try:
            guess = date(candidate, month, day)
        except ValueError:
            return None
        if past and guess > today:
            return candidate - 1
        if not past and guess < today - timedelta(days=31):
            return candidate + 1
        return candidate
    year = int(raw)
    if year < 100:
        year += 2000 if year <= today.year % 100 + (0 if past else 10) else 1900
    return year


def parse_date(text: str | None, today: date, *, past: bool = False) -> date | None:
    """'14/05/1994', '14-05-94', '14 05 1994', '14051994', '14 mai 1994', '5/1', 'demain',
    'lundi', 'aujourd hui'. ``past`` picks the reading for a birth date."""
    t = normalise(text)
    if not t:
        return None
    if t in ("aujourd hui", "aujourdhui", "ce jour", "maintenant"):
        return today
    if t in ("demain",):
        return today + timedelta(days=1)
    if t in ("apres demain", "apres-demain"):
        return today + timedelta(days=2)
    for index, name in enumerate(WEEKDAYS):
        if re.fullmatch(rf"(ce |le |des )?{name}( prochain)?", t):
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    t = re.sub(r"^(le |la |du |au |des |a partir du )", "", t)
    match = re.fullmatch(r"(\d{1,2})[/ .-](\d{1,2})(?:[/ .-](\d{2}|\d{4}))?", t)
    if match is None:
        compact = re.fullmatch(r"(\d{2})(\d{2})(\d{4}|\d{2})", t)
        match = compact
    if match is not None:
        day, month, year_raw = int(match.group(1)), int(match.group(2)), match.group(3)
    else:
        words = re.fullmatch(r"(\d{1,2})(?:er)? ([a-z]+)(?: (\d{4}|\d{2}))?", t)
        if words is None or words.group(2) not in MONTHS:
            return None
        day, month, year_raw = int(words.group(1)), MONTHS[words.group(2)], words.group(3)
    year = _year(year_raw, today, past, day, month)
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_postal_code(text: str | None) -> str | None:
    t = re.sub(r"\s+", "", (text or "").upper())
    return t if re.fullmatch(r"(\d{5}|2[AB]\d{3})", t) else None


def parse_french_phone(text: str | None) -> str | None:
    """A phone number as E.164 for French numbers ('06 12 34 56 78', '+33 6...'), or None.
    The backend checks it again with the phonenumbers library."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"(\+|00)33[1-9]\d{8}", digits):
        return "+33" + digits[-9:]
    if re.fullmatch(r"\+\d{8,15}", digits):
        return digits
    return None


def pretty_phone(e164: str) -> str:
    if e164.startswith("+33") and len(e164) == 12:
        national = "0" + e164[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return e164


SITUATION_KEYWORDS = [
    ("numero", ("numero", "num ", "portable", "telephone", "tel ")),
    ("emploi", ("travail", "taf", "boulot", "emploi", "job", "cdi", "cdd", "embauche", "interim")),
    ("demenagement", ("demenag", "adresse", "nouveau logement", "bouge")),
    ("formation", ("formation", "stage", "ecole", "apprentissage", "alternance")),
    ("sante", ("malade", "sante", "hopital", "hospitalise", "arret maladie", "operation")),
    ("famille", ("enceinte", "bebe", "mari", "divorc", "separe", "famille", "enfant", "pacs")),
]
SITUATION_VALUES = {value for value, _ in SITUATION_KEYWORDS}
ENTITY_ALIASES = {
    "travail": "emploi",
    "job": "emploi",
    "demenage": "demenagement",
    "adresse": "demenagement",
    "maladie": "sante",
    "telephone": "numero",
}


def situation_kind(text: str | None) -> str | None:
    """The kind of change in a sentence, when the NLU gave no entity."""
    t = f" {normalise(text)} "
    if t.strip() in SITUATION_VALUES:
        return t.strip()
    if t.strip() in ENTITY_ALIASES:
        return ENTITY_ALIASES[t.strip()]
    for value, keywords in SITUATION_KEYWORDS:
        if any(k in t for k in keywords):
            return value
    return None


CONTRACTS = {
    "cdi": "cdi",
    "cdd": "cdd",
    "interim": "interim",
    "interimaire": "interim",
    "alternance": "alternance",
    "apprentissage": "alternance",
    "independant": "independant",
    "auto entrepreneur": "independant",
    "autoentrepreneur": "independant",
    "freelance": "independant",
    "autre": "autre",
}


def contract_type(text: str | None) -> str | None:
    t = normalise(text)
    if t in CONTRACTS:
        return CONTRACTS[t]
    for word, value in CONTRACTS.items():
        if re.search(rf"\b{word}\b", t):
            return value
    return None


def french_day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day}/{day.month}"
