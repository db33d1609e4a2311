"""Every option a message names (option_matches): its best phrase, whether it is denied, where
its other names were said; and which of overlapping claims wins (_resolve: 'prends le bus' beats
'bus', the more precise name beats the shorter)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..schema import Option
from .finding import Token, _find
from .names import STOPWORDS, option_compounds, option_phrases
from .negation import (
    ASKED_AFTER,
    FILED,
    LEFT_OR_ASKED,
    NEGATORS,
    _acted_after,
    _all_but_this,
    _denied,
    _fine_after,
    _no_problem_with,
    _not_this,
    _someone_elses,
)
from .normalising import BOUNDARY, _clause_start, plain_words, stem, words_of
from .whose import RELATIVES, _theirs


@dataclass
class Match:
    option: Option
    score: float
    rank: int
    positions: tuple[int, ...]
    fuzzy: bool
    denied: bool
    # Where the option's other names were found, not denied: "ordinateur portable" covers the
    # "portable" of "J'ai un smartphone" even when the label "J'ai un ordinateur" scored best.
    spans: tuple[tuple[int, ...], ...] = ()


def _compound_match(
    option: Option, tokens: tuple[Token, ...], words: tuple[str, ...], lack: bool
) -> Match | None:
    """Every part said ("plein & partiel"), none of them denied unless a lack names it ("plein
    temps les genoux tiennent pas" is not both). The fullest one said counts ("plein & partiel
    & sinon" over "plein & partiel")."""
    best: Match | None = None
    for parts in option_compounds(option):
        found = [_find(part, tokens) for part in parts]
        if all(f is not None and not f[1] for f in found) and (
            lack or not any(f is not None and _denied(words, f[0]) for f in found)
        ):
            positions = tuple(sorted(i for f in found if f is not None for i in f[0]))
            if best is None or len(positions) > len(best.positions):
                best = Match(option, float(len(positions)), 30, positions, False, False)
    return best


def option_matches(
    text: str,
    options: list[Option],
    lack: bool = False,
    distinctive: bool = False,
    problems: bool = False,
    theirs: bool = False,
) -> list[Match]:
    """Every option named in the text, with its best phrase. ``lack``: a negated mention still
    names the option (what the person lacks is what they answer). ``theirs``: what a relative
    has or is ("mon mari a le permis") is not the person's answer."""
    words = words_of(text)
    tokens = tuple((stem(w), w) for w in words)
    matches: list[Match] = []
    for option in options:
        best, spans, denied_at = _best_phrase(option, words, tokens, lack, problems, theirs)
        if best is not None and not problems and _denied_in_clause(words, best, denied_at):
            # "une demande de RQTH a la MDPH": another of its names, denied in the same clause
            best.denied = True
        if best is not None and problems and _said_fine_before(words, best, denied_at):
            best.denied = True  # "le transport ca va j'ai le bus en bas"
        compound = _compound_match(option, tokens, words, lack)
        if compound is not None and (best is None or best.denied or compound.score > best.score):
            best = compound
        if best is None and distinctive:
            best = _by_distinctive_word(option, options, words, tokens, problems)
        if best is not None:
            best.spans = tuple(spans)
            matches.append(best)
    return matches


def _best_phrase(
    option: Option,
    words: tuple[str, ...],
    tokens: tuple[Token, ...],
    lack: bool,
    problems: bool,
    theirs: bool = False,
) -> tuple[Match | None, list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The option's best-named phrase in the message; where its names were found not denied
    (spans); where they were found denied."""
    best: Match | None = None
    spans: list[tuple[int, ...]] = []
    denied_at: list[tuple[int, ...]] = []
    left_out = False  # "tout sauf le transport": where a lack names it, still left out
    for phrase in option_phrases(option):
        if all(w in STOPWORDS for w in phrase.words):
            continue
        found = _find(phrase, tokens)
        if found is None:
            continue
        positions, fuzzy = found
        left_out = left_out or (not fuzzy and _all_but_this(words, positions[0]))
        if _other_sense(words, positions[0]) or _with_not_at(phrase.plain, words, positions):
            continue
        content = sum(1 for w in phrase.words if w not in STOPWORDS)
        score = content + 0.25 * (len(phrase.words) - content) - (0.5 if fuzzy else 0)
        denied = not phrase.negative and (
            (not lack and _denied(words, positions, problems))
            or (problems and (_fine_after(words, positions) or _acted_after(words, positions)))
            or (theirs and _theirs(words, positions))
        )
        if phrase.plain == ("non",) and positions[0] and words[positions[0] - 1] == "pas":
            denied = True  # "je ne dirais pas non"
        if (
            lack
            and not phrase.negative
            and (
                _not_this(words, positions)
                or _no_problem_with(words, positions[0])
                or words[positions[-1] + 1 : positions[-1] + 2] == ("non",)  # "internet non"
                or _someone_elses(words[_clause_start(words, positions[0]) : positions[0]])
            )
        ):
            denied = True  # "le logement. pas le transport": not a lack, a denial
        if not fuzzy:
            if denied:
                denied_at.append(positions)
            else:
                spans.append(positions)
        if positions[0] == 0 and phrase.rank == 0 and (phrase.plain == plain_words(option.sms)):
            score += 0.5  # "Autre, je sors d'un foyer": the label said first is the choice
        match = Match(option, score, phrase.rank, positions, fuzzy, denied)
        # "Ca me gene beaucoup, certains metiers je ne peux plus": an option said plainly
        # somewhere is chosen even if another of its names is denied elsewhere.
        if best is None or (not match.denied, match.score, -match.rank) > (
            not best.denied,
            best.score,
            -best.rank,
        ):
            best = match
    if best is not None and lack and left_out:
        best.denied = True  # "tout sauf le transport, j'ai mon permis": left out, whatever follows
    return best, spans, denied_at


def _said_fine_before(
    words: tuple[str, ...], match: Match, denied_at: list[tuple[int, ...]]
) -> bool:
    """In a list of difficulties, the option was said fine earlier in the same clause: what
    follows about it says why ('le transport ca va j'ai le bus en bas')."""
    at = match.positions[0]
    return any(
        d[-1] < at and BOUNDARY not in words[d[0] : at] and _fine_after(words, d) for d in denied_at
    )


def _denied_in_clause(
    words: tuple[str, ...], match: Match, denied_at: list[tuple[int, ...]]
) -> bool:
    """Another name of the option, denied, shares its words, or was asked for, not obtained,
    earlier in this clause."""
    at = match.positions[0]
    return any(
        (
            denied[0] < at
            and words[denied[0]] not in STOPWORDS
            and set(denied) & set(match.positions)
        )  # "pas d'une reconnaissance
        # de travailleur handicape": one name inside another, the first denied
        or (
            denied[0] < at
            and BOUNDARY not in words[denied[0] : at]
            and (
                any(w in LEFT_OR_ASKED | FILED for w in words[max(0, denied[0] - 3) : denied[0]])
                or any(w in ASKED_AFTER for w in words[denied[0] : at])
            )
        )
        for denied in denied_at
    )


# A lone word that means something else beside these: "mes petits-enfants" (grandchildren, not
# a small child), "je garde mes petits-enfants" (who minds them is the person).
OTHER_SENSE_AFTER = {
    "petit": {"enfant", "enfants", "fils", "fille", "filles"},
    "petits": {"enfant", "enfants", "fils", "fille", "filles"},
}
OTHER_SENSE_BEFORE = {
    "garde": {"je", "j"},
    "gardes": {"je", "tu"},
    # "c'etait mon epouse qui s'occupait de cela": someone else took care, not the person
    "occupait": {"s"},
    "occupaient": {"s"},
    "petit": {"trop", "tres", "si", "plus"},  # "le logement, trop petit": not a small child
    "petite": {"trop", "tres", "si", "plus"},
}


PEOPLE = RELATIVES | {
    "ami",
    "amie",
    "amis",
    "pote",
    "potes",
    "copain",
    "copine",
    "cousin",
    "cousine",
}


def _with_not_at(
    plain: tuple[str, ...], words: tuple[str, ...], positions: tuple[int, ...]
) -> bool:
    """'avec mes 2 petits freres et ma soeur', 'le petit de ma copine': who one lives with, or
    whose, is not whose home it is ('chez ma soeur')."""
    if not (plain[:1] == ("chez",) or (len(plain) == 1 and plain[0] in PEOPLE)):
        return False
    if words[positions[0]] == "chez":
        return False
    start = _clause_start(words, positions[0])
    before = words[max(start, positions[0] - 8) : positions[0]]
    at = max((i for i, w in enumerate(before) if w == "chez"), default=-1)
    # "chez ma mere avec mes 2 petits freres": the nearer word says who they are
    return any(w in ("avec", "de", "du", "d") for w in before[at + 1 :])


def _other_sense(words: tuple[str, ...], index: int) -> bool:
    word = words[index]
    after = words[index + 1] if index + 1 < len(words) else ""
    before = words[index - 1] if index else ""
    return after in OTHER_SENSE_AFTER.get(word, ()) or before in OTHER_SENSE_BEFORE.get(word, ())


def _by_distinctive_word(
    option: Option,
    options: list[Option],
    words: tuple[str, ...],
    tokens: tuple[Token, ...],
    problems: bool = False,
) -> Match | None:
    """'plein' for 'Temps plein': a word of one option's names that no other option of the
    question uses names that option on its own (weaker than a whole name)."""
    others = {
        w
        for o in options
        if o is not option
        for p in option_phrases(o)
        if not p.negative  # "pas a plein temps" does not claim "plein"
        for w in p.words
    }
    for phrase in option_phrases(option):
        if phrase.negative:
            continue  # "j'y arrive pas": a lone "j'arrive" ("I'm coming") says the opposite
        for stemmed, plain in zip(phrase.words, phrase.plain, strict=True):
            if (
                stemmed in others
                or len(plain) < 4
                or plain.isdigit()
                or plain in STOPWORDS
                or plain in NEGATORS
            ):
                continue
            for index, token in enumerate(tokens):
                if token[0] == stemmed:
                    denied = not phrase.negative and _denied(words, (index,), problems)
                    return Match(option, 0.75, 20, (index,), False, denied)
    return None


AUXILIARIES = {"ai", "a", "as", "avons", "avez", "ont", "avoir", "eu"}


def _content_at(match: Match, words: tuple[str, ...]) -> set[int]:
    return {i for i in match.positions if words[i] not in STOPWORDS | AUXILIARIES}


def _resolve(
    matches: list[Match], words: tuple[str, ...] | None = None
) -> tuple[list[Match], list[Match]]:
    """(kept, ambiguous): an option named only by words that a longer phrase of another option
    also covers is dropped ("prends le bus" beats "bus"); equal claims are ambiguous, unless
    one is the first name of its option's label and the other is not ("Bus, train" beats
    "Poids lourd, bus" for "le bus")."""
    kept: list[Match] = []
    ambiguous: list[Match] = []
    for match in matches:
        others = [m for m in matches if m is not match and set(m.positions) & set(match.positions)]
        beaten = False
        if any(
            set(match.positions) < set(span)
            or (match.fuzzy and set(match.positions) <= set(span))  # a likeness of a word said
            for other in matches
            if other is not match
            for span in other.spans
        ):
            # "ordinateur portable" covers the smartphone's "portable"
            if moved := _named_elsewhere(match, matches):
                kept.append(moved)
            continue
        for other in others:
            if words is not None and _content_at(match, words) < _content_at(other, words):
                beaten = True  # "j'ai le permis" < "permis marocain": the more precise name
            elif set(match.positions) <= set(other.positions) and (
                other.score > match.score
                or (other.score == match.score and other.rank < match.rank)
            ):
                beaten = True
            elif (
                set(match.positions) == set(other.positions)
                and other.score == match.score
                and other.rank == match.rank
            ):
                ambiguous.append(match)
                beaten = True
        if not beaten:
            kept.append(match)
        elif match not in ambiguous and (moved := _named_elsewhere(match, matches)):
            # "la garde des jumeaux ... chez mes parents": "mes parents" belongs to the
            # housing, but the family was named on its own before ("garde").
            kept.append(moved)
    return kept, ambiguous


def _named_elsewhere(match: Match, matches: list[Match]) -> Match | None:
    """The match moved to another place its option was named, claimed by no other option."""
    taken = {i for m in matches if m is not match for span in (m.positions, *m.spans) for i in span}
    for span in match.spans:
        if not set(span) & taken:
            return replace(match, positions=span, score=1.0)
    return None
