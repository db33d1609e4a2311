"""Understand an answer as people type it on a phone, as a sentence.

"1 3", "1 et 3", "trois", option words with typos and no accents, word forms ("je prends le
bus" ~ "Bus, train"), numbers in words ("une quinzaine de km"), negation ("pas de voiture" is
not "Voiture"), several options in one sentence, the answer inside a longer sentence ("oui
l'annee derniere comme caissiere" is "Oui, plus maintenant"), a word shared by two options
resolved by the rest of the sentence. When it is not sure, it says so: ``reason="guess"`` (one
best guess, to confirm in one short SMS) or ``reason="between"`` (two options fit equally).

How an option is recognised: each of its names (the SMS label split at commas, the longer label,
its ``words`` in bot/questionnaire.yml) is a short phrase; a phrase is found when its words occur
in the message in order, compared by their French stem (snowball), a typo allowed in long words.
The longest phrase found wins; a phrase whose words follow a negation ("pas de", "ni", "sans")
does not count, unless the phrase itself says it ("Pas d'internet").

The parts live in ``reading/`` (normalising, keywords, numbers, negation, an option's names,
finding them, matching, times, the list's numbers, choices; their order in its ``__init__``).
Here: the self-corrections ("30 km, non plutot 40"), which re-read parts of the message with
parse_answer, and parse_answer itself.
"""

from __future__ import annotations

import re

from .foreign import in_french
from .reading.choices import _choices
from .reading.keywords import (
    DONT_KNOW,
    KEYWORDS,
    POINTING,
    SKIP,
    SKIP_STARTS,
    _match_set,
)
from .reading.matching import option_matches
from .reading.names import option_phrases
from .reading.normalising import (
    BOUNDARY,
    normalise,
    plain_words,
    strip_accents,
    words_of,
)
from .reading.numbers import quantity_in
from .reading.parsed import Parsed
from .schema import Option, Question

# "30 km, non plutot 40", "Bac+2... non attendez, j'ai le bac", "beaucoup... enfin un peu": the
# person corrects themself; what follows the last of these is the answer.
_CORRECTION = re.compile(
    r"(?:\b(?:non attendez|non attends|attendez|non en fait|en fait non|non plutot|ou plutot|"
    r"enfin non|je veux dire|non pardon|pardon|je corrige|plutot|disons(?! que))\b|"
    r"(?:\.\.+|[,;.!?…])\s*(?:(?:ah|oh|euh|ha) )?(?:enfin(?:\s+non)?|non|nn|nan)\b(?=\s*\w)|"
    r"\.\.+\s*bon\b(?=\s*\w)|"  # "un peu... beaucoup... bon beaucoup"
    r"(?:\.\.+|[,;.!?…])\s*(?=si si\b))"  # "attends non... si si c'est bon": kept, a yes
)


# "il est en panne", "elle est morte": what was just named no longer works.
_IT_BROKE = re.compile(
    r"^(?:il|elle)\s+(?:est|a|s est|marche)\s+(?:\w+\s+){0,2}?"
    r"(?:en panne|morte?|casse|cassee|hs|foutue?|vendue?|en rade|plus)\b"
)
# "... donc oui je dirais", "au foyer ou en recherche ? je cherche quand meme donc en recherche",
# "entre un peu et beaucoup... je dirais beaucoup": what follows concludes (one choice only).
_CONCLUSION = re.compile(
    r"(?:(?:\.\.+|[,;.!?…])\s*(?:donc|bref|en gros|au final|je dirais)|\sdonc)\b"
)
_REVERSED = re.compile(
    r"^(?:en fait,? )?(?:c'est |cest |c est )?(?:l'|l |l)?inverse\b|^(?:en fait,? )?dans l'autre sens"
)
_RETRACTED = re.compile(r"^(?:en fait\s+)?(?:c|c'est|cest|c est|ca|ça)\s+(?:bon|va)\b")


# "non mais oui allez y", "ma femme dit que j'y arriverai pas mais si": a "mais oui" or "mais si"
# takes back the no before it; what follows it answers.
_BUT_YES = re.compile(r"\bmais (?=(?:oui|si|ouais)\b)")
# "oui mais non": the idiom for no.
_YES_BUT_NO = re.compile(r"^\W*(?:oui|ouais|ok)\W+mais\W+(?:non|nan|nn)\b")
# "non non c bon vous pouvez envoyer": a go-ahead answers a yes-or-no question, whatever
# "non" came before it (unless it is itself denied: "n'envoyez pas").
_GO_AHEAD = re.compile(
    r"(?<!n')(?<!ne )\b(?:vous pouvez (?:l'|l |le )?envoyer|allez[ -]?y|envoyez(?:[ -]le)?|"
    r"on y va|c'est parti|vas[ -]?y)\b(?! pas)"
)


def _tangled_yes(question: Question, options: list[Option], text: str) -> Parsed | None:
    """A yes said after a no, in a question answered by one choice."""
    if question.type == "multi":
        return None
    if _YES_BUT_NO.match(text):
        no = next((o for o in options if o.means == "no"), None)
        return Parsed("answer", value=[no.key], options=[no.key]) if no else None
    if question.type in ("consent", "confirm") and _GO_AHEAD.search(text):
        yes = next((o for o in options if o.means == "yes"), None)
        if yes is not None:
            return Parsed("answer", value=[yes.key], options=[yes.key])
    found = list(_BUT_YES.finditer(text))
    if not found:
        return None
    head, tail = text[: found[-1].start()], text[found[-1].end() :]
    # "mais si" contradicts any no before it; "mais oui" only a bare one ("non mais oui"), not
    # "pas seul mais oui avec de l'aide"
    bare_no = re.fullmatch(r"\W*(?:(?:non|nan|nn|ouais)\W*)+", head) is not None
    # "mais si, je peux": a yes; "mais si on m'aide": an if
    si_yes = re.match(r"si(?:\s*[,.!…]|\s*$|\s+si\b)", tail) is not None
    if (si_yes and re.search(r"\b(?:non|nan|pas|jamais)\b", head)) or bare_no:
        parsed = parse_answer(question, options, tail)
        return parsed if parsed.kind == "answer" else None
    return None


def _with_correction(question: Question, options: list[Option], raw: str) -> Parsed | None:
    """The answer after the last self-correction, or None. In a list, the correction replaces
    what was said just before it ("des dettes. et des revenus en chute, non attendez, tres
    petits revenus": debts and small incomes), or adds to it ("CDI... enfin CDD aussi")."""
    if question.type == "text":
        return None
    text = in_french(strip_accents(raw).lower().replace("’", "'"))
    # "temps partiel non temps plein plutot": the same correction, its marker last
    text = re.sub(r"\bnon,? ([^.,;!?]+?) plutot\s*([.!]*)$", r", non plutot \1", text)
    tangled = _tangled_yes(question, options, text)
    if tangled is not None:
        return tangled
    if question.type != "multi":
        # "pour la garde oui, pour le reste non... donc oui je dirais": the conclusion answers
        concluded = list(_CONCLUSION.finditer(text))
        if concluded:
            parsed = parse_answer(question, options, text[concluded[-1].end() :])
            if parsed.kind == "answer":
                return parsed
    found = list(_CORRECTION.finditer(text))
    tail = text[found[-1].end() :].strip(" ,;.:!?-…") if found else ""
    if _RETRACTED.match(tail):
        # "transport... non en fait c bon jai le bus. famille et argent": the first clause
        # says why the word before is taken back; the answer follows.
        tail = re.split(r"[.;!?…]", tail, maxsplit=1)[1] if re.search(r"[.;!?…]", tail) else ""
        tail = tail.strip(" ,;.:!?-…")
    if not any(c.isalnum() for c in tail):
        return None
    if question.type == "multi" and _REVERSED.match(tail):
        return _reversed(question, options, text[: found[-1].start()], tail)
    parsed = parse_answer(question, options, tail)
    head = text[: found[-1].start()]
    if parsed.kind != "answer" and question.type == "multi":
        return _taken_back(question, options, head, tail)
    if parsed.kind != "answer" or question.type != "multi":
        return parsed if parsed.kind == "answer" else None
    if not re.search(r"\baussi\b", tail):  # "et le logement aussi, trop petit"
        head = ".".join(re.split(r"[.;!?…]", head.rstrip(" ,;.:!?-…"))[:-1])
    before = parse_answer(question, options, head) if any(c.isalnum() for c in head) else None
    if before is None or before.kind != "answer":
        return parsed
    if _IT_BROKE.match(tail) and before.value:
        # "scooter. ah non il est en panne depuis 2 mois. trottinette du coup"
        before = Parsed("answer", value=before.value[:-1], options=before.value[:-1])
    chosen = [*before.value, *(k for k in parsed.value if k not in before.value)]
    # "et la sante.. non pas la sante, c'est lui qui est malade. Et le logement aussi"
    denied = {
        m.option.key
        for m in option_matches(tail, options, lack=question.negation_means_lack)
        if m.denied
    }
    chosen = [k for k in chosen if k not in denied or k in parsed.value]
    return Parsed("answer", value=chosen, options=chosen)


def _taken_back(question: Question, options: list[Option], head: str, tail: str) -> Parsed | None:
    """'CDI, CDD, interim... non pas l'interim finalement': the list said before, without what
    the correction only denies."""
    matches = option_matches(tail, options, lack=question.negation_means_lack)
    if not matches or not all(m.denied for m in matches) or not any(c.isalnum() for c in head):
        return None
    before = parse_answer(question, options, head)
    if before.kind != "answer":
        return None
    kept = [k for k in before.value if k not in {m.option.key for m in matches}]
    return Parsed("answer", value=kept, options=kept) if kept else None


def _reversed(question: Question, options: list[Option], head: str, tail: str) -> Parsed | None:
    """'le travail d'abord, et le transport. non en fait l'inverse': the same, other way round
    (what the tail names first, then the rest of the list reversed)."""
    before = parse_answer(question, options, head) if any(c.isalnum() for c in head) else None
    if before is None or before.kind != "answer":
        return None
    named = parse_answer(question, options, _REVERSED.sub("", tail))
    first = named.value if named.kind == "answer" else []
    chosen = [*first, *(k for k in reversed(before.value) if k not in first)]
    return Parsed("answer", value=chosen, options=chosen)


def _said_as_worded(options: list[Option], words: tuple[str, ...]) -> Option | None:
    """The one option one of whose words (three or more) is exactly the whole message."""
    if len(words) < 3:
        return None
    said = [o for o in options if any(p.plain == words for p in option_phrases(o))]
    return said[0] if len(said) == 1 else None


def _refused_last(raw: str) -> bool:
    """The last sentence refuses to answer (what came before it named no option)."""
    sentences = [s for s in re.split(r"[.?!…]+", raw) if s.strip()]
    if len(sentences) < 2:
        return False
    last = " ".join(plain_words(sentences[-1]))
    return any(f"{_unpointed(last)} ".startswith(p + " ") for p in SKIP_STARTS)


def _with_options(
    question: Question,
    options: list[Option],
    raw: str,
    words: tuple[str, ...],
    dont_know: bool,
    skippable: bool,
) -> Parsed:
    dont_know_option = next((o for o in options if o.means == "dont_know"), None)
    said = _said_as_worded(options, words)  # "je sais pas faire" is not "je sais pas dire"
    if said is not None:
        return Parsed("answer", value=[said.key], options=[said.key])
    if dont_know and dont_know_option is not None:
        return Parsed("answer", value=[dont_know_option.key], options=[dont_know_option.key])
    parsed = _choices(question, options, raw)
    if parsed.kind == "unclear" and not parsed.options and (dont_know or _refused_last(raw)):
        # "euh c'est obligé ? je préfère pas répondre à ça"
        return Parsed("skip") if skippable else parsed
    return parsed


def _number(question: Question, raw: str) -> Parsed:
    value = quantity_in(raw)
    if value is None:
        return Parsed("unclear", reason="number")
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else 10_000
    if not low <= value <= high:
        return Parsed("unclear", reason="number")
    return Parsed("answer", value=value)


_FOR_THE_ADVISER = re.compile(
    r"^(?:c est (?:personnel|prive|perso)\b|"  # "ca c'est personnel, je prefere pas dire"
    r"je (?:prefere|prefererais|prefer) (?:le dire|en parler|en discuter|voir ca|le voir) "
    r"(?:au|avec (?:le|mon|ma|la)|a mon|a ma|a la) (?:conseiller|conseillere|referent|referente|"
    r"assistante sociale|as)\b)"
)


def parse_answer(question: Question, options: list[Option], raw: str) -> Parsed:
    """Parse ``raw`` against ``question`` whose visible options are ``options`` (in order)."""
    corrected = _with_correction(question, options, raw)
    if corrected is not None:
        return corrected
    words = plain_words(raw)
    text = " ".join(words)
    if not text:
        return Parsed("unclear", reason=_reason(question))
    plain = normalise(raw)
    for kind, phrases in KEYWORDS:
        if _match_set(plain, phrases) or _match_set(text, phrases):
            return Parsed(kind)
    skippable = question.type not in ("consent", "confirm")
    # "ça je reponds pas": a refusal may come after the word pointing at the question.
    refused = any(f"{_unpointed(text)} ".startswith(p + " ") for p in SKIP_STARTS)
    # "je prefere le dire au conseiller en face", "c'est personnel": where no option says so
    # ("Voir avec conseiller" where health, family or papers hold them back), not answered here
    refused = refused or (
        _FOR_THE_ADVISER.match(_unpointed(text)) is not None
        and not any(o.key == "conseiller" for o in options)
    )
    if _match_set(plain, SKIP) or _match_set(text, SKIP) or refused:
        return Parsed("skip") if skippable else Parsed("unclear", reason=_reason(question))
    dont_know = _match_set(plain, DONT_KNOW) or _match_set(text, DONT_KNOW)
    if not dont_know and any(o.means == "dont_know" for o in options):
        # "je sais pas trop, les papiers ca va...", "ben mi sait pas trop dire"
        dont_know = _unpointed(_first_clause(raw)) in DONT_KNOW

    if question.has_options:
        return _with_options(question, options, raw, words, dont_know, skippable)
    if dont_know:
        return Parsed("skip")
    if question.type == "number":
        return _number(question, raw)

    # Free text: kept as typed (trimmed), as long as it has some letters.
    kept = " ".join((raw or "").split())
    if sum(c.isalpha() for c in kept) < 2:
        return Parsed("unclear", reason="text")
    return Parsed("answer", value=kept[:300])


LAUGHTER = {"mdr", "lol", "ptdr", "xd", "haha", "hahaha", "hihi"}


def _unpointed(text: str) -> str:
    """Without a first word pointing at the question or the speaker ("ça", "moi", "bof")."""
    head, _, rest = text.partition(" ")
    return rest if head in POINTING and rest else text


def _first_clause(raw: str) -> str:
    words = words_of(raw)
    end = words.index(BOUNDARY) if BOUNDARY in words else len(words)
    return " ".join(w for w in words[:end] if w not in LAUGHTER)


def _reason(question: Question) -> str:
    return {"multi": "multi", "number": "number", "text": "text"}.get(question.type, "choice")
