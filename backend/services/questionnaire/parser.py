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
"""

from __future__ import annotations

import re

from .foreign import in_french
from .reading.durations import _by_duration, _ongoing, _said_outright
from .reading.keywords import (
    DONT_KNOW,
    KEYWORDS,
    NO,
    POINTING,
    SKIP,
    SKIP_STARTS,
    YES,
    _match_set,
    _phrases,
    strengthened_no,
)
from .reading.matching import Match, _resolve, option_matches
from .reading.names import _phrase_words, option_phrases
from .reading.normalising import (
    BOUNDARY,
    _clause_start,
    normalise,
    plain_words,
    stem,
    strip_accents,
    words_of,
)
from .reading.numbered import _by_numbers, _first_ones, _number_with_reason, _numbers_and_names
from .reading.numbers import quantity_in
from .reading.parsed import Parsed
from .schema import Option, Question

HESITATIONS = {"bof", "euh", "heu", "hmm", "mmm", "ben", "bah", "beh", "alors", "hum"}


def _by_meaning(words: tuple[str, ...], options: list[Option]) -> Option | None:
    """'oui', 'nan', 'jsp' (or a sentence starting with it) for an option that means it."""
    while len(words) > 1 and words[0] in HESITATIONS | {BOUNDARY}:
        words = words[1:]  # "bof... ouais pk pas"
    text = " ".join(words)
    if strengthened_no(text):
        return next((o for o in options if o.means == "no"), None)
    for meaning, phrases in (("dont_know", DONT_KNOW), ("yes", YES), ("no", NO)):
        starts = any(text == p or text.startswith(p + " ") for p in phrases)
        if starts or _match_set(text, phrases):
            option = next((o for o in options if o.means == meaning), None)
            if option is not None:
                return option
    return None


def _exact(text: str, options: list[Option]) -> Option | None:
    """The one option that has exactly this name ('oui' names two options of 'activite')."""
    wanted = _phrase_words(text)
    named = [o for o in options if any(p.words == wanted for p in option_phrases(o))]
    return named[0] if len(named) == 1 else None


_ALL_BUT = re.compile(
    r"^(?:tout|tous|toutes|n importe|n importe lequel) (?:sauf|a part|hormis|mais pas) (.+)"
)


def _all_but(question: Question, options: list[Option], raw: str) -> Parsed | None:
    """'tout sauf l'alternance et l'interim': every real choice but those named."""
    found = _ALL_BUT.match(normalise(raw))
    if found is None:
        return None
    named = _choices(question, options, found.group(1))
    if named.kind != "answer":
        return None
    rest = [
        o.key
        for o in options
        if o.key not in named.value
        and not o.exclusive
        and o.means is None
        and not o.other
        and o.key != "autre"
    ]
    return Parsed("answer", value=rest, options=rest) if rest else None


def _choices(question: Question, options: list[Option], raw: str) -> Parsed:  # noqa: C901 - one decision table; splitting it hides the order
    multi = question.type == "multi"
    reason = "multi" if multi else "choice"
    exact = _exact(raw, options)
    if exact is not None:
        return Parsed("answer", value=[exact.key], options=[exact.key])
    by_number = _by_numbers(raw, options)
    if by_number is not None:
        if not by_number or (not multi and len(by_number) != 1):
            return Parsed("unclear", reason=reason)
        if len(by_number) > 1 and any(o.exclusive for o in by_number):
            return Parsed("unclear", reason="multi")  # "1 9": a choice and "nothing"
        return _picked(by_number, multi)
    if not multi and (reasoned := _number_with_reason(raw, options)) is not None:
        return Parsed("answer", value=[reasoned.key], options=[reasoned.key])
    if multi:
        mixed = _numbers_and_names(raw, options)
        if mixed:
            return _picked(mixed, multi)
        but = _all_but(question, options, raw)
        if but is not None:
            return but
        first = _first_ones(raw, options)
        if first:
            return _picked(first, multi)
    ongoing = _ongoing(raw, options)
    if ongoing is not None:
        return Parsed("answer", value=[ongoing.key], options=[ongoing.key])
    by_duration = _by_duration(raw, options)
    if by_duration is not None and not _said_outright(raw, options):
        return Parsed("answer", value=[by_duration.key], options=[by_duration.key])
    # A lone distinctive word ("plein") names an option only where one answer is expected.
    matches = option_matches(
        raw,
        options,
        lack=question.negation_means_lack,
        distinctive=not multi,
        problems=question.section == "freins",  # lists of difficulties
    )
    positive = [m for m in matches if not m.denied]
    if not multi and any(m.score >= 1 for m in positive):
        positive = [m for m in positive if m.score >= 1]  # a whole name beats a lone word
    said = words_of(raw)  # with clause boundaries: match positions index these
    kept, ambiguous = _resolve(positive, said)
    words = plain_words(raw)
    if not kept and not ambiguous:
        meant = _by_meaning(words, options)
        if meant is not None:
            return Parsed("answer", value=[meant.key], options=[meant.key])
        none = next((o for o in options if o.exclusive and o.means == "no"), None)
        denied = {m.option.key for m in matches if m.denied}
        real = {o.key for o in options if not o.exclusive and o.means is None}
        if multi and none is not None and real <= denied and not question.negation_means_lack:
            # "je ne percois pas le RSA, et je n'ai pas non plus de RQTH": each one denied
            return Parsed("answer", value=[none.key], options=[none.key])
        return Parsed("unclear", reason=reason)
    if ambiguous and not kept:
        named = _named_beyond_yes_no(ambiguous[:2], said)
        if named is not None:
            return Parsed("answer", value=[named.key], options=[named.key])
        pair = [m.option for m in ambiguous[:2]]
        return _between(pair, words)
    kept.sort(key=lambda m: m.positions[0])  # in the order they were said ("d'abord")
    if multi:
        kept = _none_said_first(kept, said)
    only_yes = [
        m for m in kept if m.option.means is None and all(said[i] in YES | NO for i in m.positions)
    ]
    if only_yes and len(only_yes) < len(kept):
        # "Oui, des demain": "oui" names "Oui, a temps partiel" too; the rest says which.
        kept = [m for m in kept if m not in only_yes]
    if multi:
        kept = _complements_dropped(kept, said)
    if not multi:
        # "pas de diplome, j'ai arrete en 5eme", "oui mais seulement a temps partiel": a real
        # choice beside a plain yes, no or none is the answer.
        something = [
            m
            for m in kept
            if m.option.means is None
            and not m.option.exclusive
            and any(said[i] not in YES | NO for i in m.positions)  # not just "oui"
        ]
        # "honnetement je ne sais pas encore": a whole phrase of "I don't know" stays in the run
        said_in_full = [m for m in kept if m.option.means == "dont_know" and m.score >= 3]
        if something:
            kept = something + said_in_full
        if len(kept) > 1:
            # "je cherche autre chose, un boulot...": "autre chose" beside a real choice is
            # what they look for, not the option "Autre".
            kept = [
                m
                for m in kept
                if not (
                    (m.option.other or m.option.key == "autre")
                    and "chose" in said[m.positions[0] : m.positions[-1] + 2]
                )
            ] or kept
        # "Vous sentez-vous capable de faire vos demarches seul ?" "Non, toute seule je ne m'en
        # sens pas capable": words echoing the question weigh less than the person's own.
        asked = {stem(w) for w in plain_words(question.text)} | {"tout", "toute"}
        own = [m for m in kept if any(stem(said[i]) not in asked for i in m.positions)]
        if own and len(own) < len(kept):
            kept = own
        best = sorted(kept, key=lambda m: (-m.score, m.rank))
        if len(best) > 1 and best[0].score == best[1].score and best[0].rank == best[1].rank:
            named = _named_beyond_yes_no(best[:2], said)
            if named is not None:
                return Parsed("answer", value=[named.key], options=[named.key])
            return _between([best[0].option, best[1].option], words)
        if len(best) > 1 and best[0].score - best[1].score < 0.5 and best[0].rank >= best[1].rank:
            return Parsed("unclear", reason="guess", options=[best[0].option.key])
        kept = [best[0]]
    chosen = [m.option for m in kept]
    if any(m.fuzzy and m.score < 1.5 for m in kept):
        return Parsed("unclear", reason="guess", options=[o.key for o in chosen])
    return _picked(chosen, multi)


CORRECTIONS = {"enfin", "sauf", "si", "part", "juste", "seulement", "que", "mais", "quand"}


def _complements_dropped(kept: list[Match], words: tuple[str, ...]) -> list[Match]:
    """'les papiers du diplome': a name right after another option's name and 'du', 'de', 'des'
    says which one, it is not chosen on its own."""
    covered = {i for m in kept for i in m.positions}
    return [
        m
        for m in kept
        if not (
            m.positions[0] >= 2
            and words[m.positions[0] - 1] in ("du", "de", "des", "d")
            and m.positions[0] - 2 in covered
            and m.positions[0] - 2 not in m.positions
        )
    ]


def _none_said_first(kept: list[Match], words: tuple[str, ...]) -> list[Match]:
    """'nn aucun des 2, jsuis trop jeune pr le rsa': "none" in the first clause, the other names
    only in what follows (the reason): none is the answer, unless corrected ("enfin si...")."""
    none = [m for m in kept if m.option.exclusive][:1]
    if not none:
        return kept
    after_none = words[none[0].positions[-1] :]
    end = none[0].positions[-1] + (
        after_none.index(BOUNDARY) if BOUNDARY in after_none else len(after_none)
    )
    rest = [m for m in kept if m not in none]
    # "non aucun, enfin si le rsa": a correction before another name, in its clause ("Rien. ...
    # C'est juste le boulot qui manque" corrects nothing).
    corrected = any(
        w in CORRECTIONS
        for m in rest
        for w in words[_clause_start(words, m.positions[0]) : m.positions[0]]
    )
    if none and rest and not corrected and all(m.positions[0] > end for m in rest):
        return none
    return kept


def _named_beyond_yes_no(pair: list[Match], said: tuple[str, ...]) -> Option | None:
    """'non jamais': both 'Non, ...' options share the bare 'non'; only one is named elsewhere."""
    shared = set(pair[0].positions) & set(pair[1].positions)
    if not shared or not all(said[i] in YES or said[i] in NO for i in shared):
        return None
    named = [m.option for m in pair if any(not shared & set(span) for span in m.spans)]
    return named[0] if len(named) == 1 else None


def _between(pair: list[Option], words: tuple[str, ...]) -> Parsed:
    """Two options fit equally: a plain 'oui' settles it when only one of them means yes."""
    meant = _by_meaning(words, pair)
    if meant is not None:
        return Parsed("answer", value=[meant.key], options=[meant.key])
    return Parsed("unclear", reason="between", options=[o.key for o in pair])


def _picked(chosen: list[Option], multi: bool) -> Parsed:
    if multi and len(chosen) > 1 and any(o.exclusive for o in chosen):
        chosen = [o for o in chosen if not o.exclusive]  # "rien" beside real choices: the choices
    return Parsed("answer", value=[o.key for o in chosen], options=[o.key for o in chosen])


# --- The answer ----------------------------------------------------------------------------------


# "30 km, non plutot 40", "Bac+2... non attendez, j'ai le bac", "beaucoup... enfin un peu": the
# person corrects themself; what follows the last of these is the answer.
_CORRECTION = re.compile(
    r"(?:\b(?:non attendez|non attends|attendez|non en fait|en fait non|non plutot|ou plutot|"
    r"enfin non|je veux dire|non pardon|pardon|je corrige|plutot|disons)\b|"
    r"(?:\.\.+|[,;.!?…])\s*(?:enfin(?:\s+non)?|non|nn|nan)\b(?=\s*\w)|"
    r"\.\.+\s*bon\b(?=\s*\w)|"  # "un peu... beaucoup... bon beaucoup"
    r"(?:\.\.+|[,;.!?…])\s*(?=si si\b))"  # "attends non... si si c'est bon": kept, a yes
)


_CONCLUSION = re.compile(r"(?:\.\.+|[,;.!?…])\s*(?:donc|bref|en gros|au final)\b")
_REVERSED = re.compile(
    r"^(?:en fait,? )?(?:c'est |cest |c est )?(?:l'|l |l)?inverse\b|^(?:en fait,? )?dans l'autre sens"
)
_RETRACTED = re.compile(r"^(?:en fait\s+)?(?:c|c'est|cest|c est|ca|ça)\s+(?:bon|va)\b")


def _with_correction(question: Question, options: list[Option], raw: str) -> Parsed | None:
    """The answer after the last self-correction, or None. In a list, the correction replaces
    what was said just before it ("des dettes. et des revenus en chute, non attendez, tres
    petits revenus": debts and small incomes), or adds to it ("CDI... enfin CDD aussi")."""
    if question.type == "text":
        return None
    text = in_french(strip_accents(raw).lower().replace("’", "'"))
    # "temps partiel non temps plein plutot": the same correction, its marker last
    text = re.sub(r"\bnon,? ([^.,;!?]+?) plutot\s*([.!]*)$", r", non plutot \1", text)
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
    if "aussi" not in tail.split():
        head = ".".join(re.split(r"[.;!?…]", head.rstrip(" ,;.:!?-…"))[:-1])
    before = parse_answer(question, options, head) if any(c.isalnum() for c in head) else None
    if before is None or before.kind != "answer":
        return parsed
    chosen = [*before.value, *(k for k in parsed.value if k not in before.value)]
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


# --- Questions -----------------------------------------------------------------------------------

QUESTION_STARTS = (
    "quand", "c est quand", "c quand", "a quelle heure", "quelle heure", "ou est", "ou se",
    "est ce que", "est ce qu", "pourquoi", "comment", "combien", "qui", "quel", "quelle",
)  # fmt: skip


def is_question(raw: str) -> bool:
    """'c'est quand mon rdv ?', 'a quelle heure je dois venir': an answer is rarely a question."""
    if "?" in (raw or ""):
        return True
    text = " ".join(plain_words(raw))
    return any(text.startswith(start + " ") for start in QUESTION_STARTS)


def long_question(raw: str) -> bool:
    """'Est-ce que ma mere peut avoir une aide a domicile ?': a whole question of its own, not an
    answer, even when the intent model is unsure what it asks ('bac ?' stays an answer)."""
    words = plain_words(raw)
    if len(words) < 5 or not is_question(raw):
        return False
    return words[0] not in YES and words[0] not in NO and " ".join(words[:2]) not in YES


# --- Yes or no to a confirmation ------------------------------------------------------------------

CONFIRMING = _phrases(
    "c est ca", "cest ca", "c bien ca", "c est bien ca", "cest bien ca", "tout a fait",
    "oui c est ca", "c est exact", "c est juste", "bien sur", "c'est bon", "cest bon", "c bon",
)  # fmt: skip
DENYING = {"pas", "non", "jamais", "rien", "aucun", "aucune"}
NO_WORRY = ("pas de souci", "pas de soucis", "pas de probleme", "pas de pb", "pas de prob")


def yes_or_no(raw: str) -> bool | None:
    """The answer to a '1 Oui 2 Non' confirmation: '1', 'oui', 'ouais c'est ca', 'non non je
    viens'...; None when the message is something else (then it is read as a new message)."""
    text = " ".join(plain_words(raw))
    if text in ("1", "1 oui", "oui 1"):
        return True
    if text in ("2", "2 non", "non 2") or strengthened_no(text):
        return False
    if _match_set(text, YES) or text in CONFIRMING:
        return True
    if _match_set(text, NO):
        return False
    for phrase in NO_WORRY:  # "oui pas de souci": a yes, whatever its "pas"
        text = text.replace(phrase, "").strip()
    words = text.split()
    if not words:
        return None
    first_two = " ".join(words[:2])
    if words[0] in YES or first_two in YES or first_two in CONFIRMING:
        return None if any(w in DENYING for w in words[1:]) else True
    if words[0] in NO or first_two in NO:
        return False
    return None
