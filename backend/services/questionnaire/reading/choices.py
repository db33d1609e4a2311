"""The option(s) an answer chooses among a question's visible options (_choices): by an exact
name, the list's numbers, 'tout sauf ...', a time, or the options named; then which of several
named options is the answer, a guess to confirm, or two that fit equally."""

from __future__ import annotations

import re

from ..schema import Option, Question
from .durations import _by_duration, _ongoing, _said_outright
from .keywords import DONT_KNOW, NO, YES, _match_set, strengthened_no
from .matching import Match, _resolve, option_matches
from .names import _phrase_words, option_phrases
from .normalising import BOUNDARY, _clause_start, normalise, plain_words, stem, words_of
from .numbered import (
    _both,
    _by_numbers,
    _first_ones,
    _number_with_reason,
    _numbers_and_names,
    _numbers_then_why,
    _several_for_one,
    _the_two_of_many,
)
from .parsed import Parsed

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


def _label_first(raw: str, options: list[Option]) -> Option | None:
    """'non jamais, jai arrete le lycee lan dernier': a first clause that is one option's whole
    label, of two words or more, answers; what follows is why."""
    said = words_of(raw)
    if BOUNDARY not in said:
        return None
    first = said[: said.index(BOUNDARY)]
    then = said[len(first) + 1 : len(first) + 2]
    if then and then[0] in ("si", "enfin", "mais", "quoique", "sauf", "non", "nan", "oui"):
        return None  # "pas vraiment... si, un peu quand meme": taken back
    label = [o for o in options if len(first) >= 2 and plain_words(o.sms) == first]
    return label[0] if len(label) == 1 else None


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
    if exact is None and not multi:
        exact = _label_first(raw, options)
    if exact is not None:
        return Parsed("answer", value=[exact.key], options=[exact.key])
    both = _both(raw, options) if multi else []
    if both:
        return _picked(both, multi)
    if (multi and _the_two_of_many(raw, options)) or (not multi and _several_for_one(raw, options)):
        return Parsed("unclear", reason=reason)
    by_number = _by_numbers(raw, options)
    if by_number is not None:
        if not by_number or (not multi and len(by_number) != 1):
            return Parsed("unclear", reason=reason)
        if len(by_number) > 1 and any(o.exclusive for o in by_number):
            return Parsed("unclear", reason="multi")  # "1 9": a choice and "nothing"
        return _picked(by_number, multi)
    if not multi and (reasoned := _number_with_reason(raw, options)) is not None:
        return Parsed("answer", value=[reasoned.key], options=[reasoned.key])
    if then_why := _numbers_then_why(raw, options, multi):
        return _picked(then_why, multi)
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
        # a relative's situation is the person's answer only about their family
        theirs=question.section in ("situation", "freins")
        and question.frein != "contraintes_familiales",
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
        # ... but a time is no echo of "ces 2 dernieres annees" ("fini annee derniere")
        own = [
            m
            for m in kept
            if m.option.years_ago is not None
            or any(stem(said[i]) not in asked for i in m.positions)
        ]
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
    keys = {o.key for o in chosen}
    chosen = [o for o in chosen if not set(o.dropped_beside) & keys] or chosen
    every = [o for o in chosen if o.exclusive and isinstance(o.value, list)]
    if (
        multi
        and every
        and len(chosen) > 3  # "cdi ou cdd peu importe": one of these two
        and all(o is every[0] or o.key in every[0].value for o in chosen)
    ):
        chosen = every[:1]  # "ca m'est egal, cdi cdd interim, n'importe": any of them
    if multi and len(chosen) > 1 and any(o.exclusive for o in chosen):
        chosen = [o for o in chosen if not o.exclusive]  # "rien" beside real choices: the choices
    return Parsed("answer", value=[o.key for o in chosen], options=[o.key for o in chosen])
