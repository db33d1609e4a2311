"""Whose an answer is: the person's, or a relative's they tell about beside their own ('Moi
j'ai pas le permis. Mon mari a le permis et la voiture', 'l'ordinateur c'est celui de mon fils').
A message only about a relative ('mon pere a le rsa') may be typed for them: it stays theirs,
that is the person's."""

from __future__ import annotations

from itertools import pairwise

from .negation import NEGATION_STOPS, NEW_SUBJECT
from .normalising import BOUNDARY, _clause_start

# "mon mari a le permis", "ma fille elle passe son bac": a relative's, not the person's.
RELATIVES = {
    "mari", "femme", "epouse", "epoux", "conjoint", "conjointe", "compagnon", "compagne",
    "copain", "copine", "mere", "pere", "maman", "papa", "fils", "fille", "frere", "soeur",
    "parents", "enfant", "enfants", "ex", "voisin", "voisine", "cousin", "cousine", "oncle",
    "tante", "beau", "belle", "grand", "petit", "petite", "gars", "meuf", "homme",
}  # fmt: skip
THEIR_PRONOUNS = {"il", "elle", "ils", "elles", "lui", "eux"}
PRONOUN_SUBJECTS = {"il", "elle", "ils", "elles"}
# "il y a aussi mon dos", "il faut", "il me manque": nobody's, the person's own
IMPERSONAL = {("y",), ("faut",), ("me",), ("m",), ("manque",), ("reste",), ("fait",), ()}
# Between the relative and the option, these bring the person back ("ma mere m'a mise dehors").
ME = {"je", "j", "me", "m", "moi", "nous", "on"}
MINE_AFTER = {"celui", "celle", "ceux", "celles"}  # "l'ordinateur c'est celui de mon fils"


def _theirs(words: tuple[str, ...], positions: tuple[int, ...]) -> bool:
    """'Moi j'ai pas le permis. Mon mari a le permis', 'mon grand frere lui il bosse en
    interim', 'eux ils sont proprietaires': the clause's subject is a relative, set apart from
    the person (the person speaks of themself elsewhere, or 'lui', 'elle' marks the contrast);
    'l'ordinateur c'est celui de mon fils', 'la rqth c'est pour mon mari': said to be theirs.
    A message only about a relative ('mon pere a le rsa') may be typed for them: it stays."""
    first, last = positions[0], positions[-1]
    if first >= 2 and words[first - 2] in NEW_SUBJECT and words[first - 1] in RELATIVES:
        return True  # "la famille avec mon pere malade": the father's illness
    start = _clause_start(words, first)
    end = words.index(BOUNDARY, last) if BOUNDARY in words[last:] else len(words)
    before = words[start:first]
    turns = NEGATION_STOPS - {"et", "ou"}  # "mon mari a le permis et la voiture": still his
    if any(w in turns for w in before):
        before = before[max(i for i, w in enumerate(before) if w in turns) + 1 :]
    elsewhere = words[:start] + words[end:]
    self_elsewhere = "moi" in words or any(w in ("je", "j") for w in elsewhere)
    if not any(w in ME for w in before):
        if before[1:2] and before[0] in THEIR_PRONOUNS and before[1] in PRONOUN_SUBJECTS:
            return True  # "eux ils sont proprietaires"
        for i in range(len(before) - 1):
            if (
                before[i] in NEW_SUBJECT
                and before[i + 1] in RELATIVES
                and (i == 0 or before[i - 1] not in ("de", "d", "chez", "avec", "a", "pour"))
                and (self_elsewhere or any(w in THEIR_PRONOUNS for w in before[i + 2 : i + 5]))
            ):
                return True
        # "Mon ex femme a garde la maison, elle a les petits enfants le mercredi": "elle" is
        # the relative named before, the person speaks of themself elsewhere
        named_before = any(a in NEW_SUBJECT and b in RELATIVES for a, b in pairwise(words[:start]))
        if (
            self_elsewhere
            and named_before
            and any(
                w in PRONOUN_SUBJECTS and before[i + 1 : i + 2] not in IMPERSONAL
                for i, w in enumerate(before)
            )
        ):
            return True
    after = words[last + 1 : last + 8]
    if BOUNDARY in after[:1]:
        after = after[1:]
    for i in range(len(after) - 2):
        if after[i] in MINE_AFTER and after[i + 1] in ("de", "d") and after[i + 2] in NEW_SUBJECT:
            return True
        if (
            after[i : i + 2] == ("c", "est")
            and after[i + 2 : i + 3] in (("pour",), ("a",))
            and after[i + 3 : i + 4]
            and after[i + 3] in NEW_SUBJECT
        ):
            return True  # "la rqth c'est pour mon mari pas moi"
    return False
