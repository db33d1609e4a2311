"""Whether an option named in a message is denied: a negation just before it ('pas de voiture',
'ni bus'), a verb's negation just after it in the same sentence ('le permis je l'ai pas'), left
or asked for but not obtained ('sorti du foyer', 'la RQTH j'ai fait la demande'), someone else's
('c'est mon mari qui a l'AAH'); in a list of difficulties, one said to be fine ('la famille ca
va') or a family member who acted ('ma mere m'a mise dehors')."""

from __future__ import annotations

from .keywords import NO
from .normalising import BOUNDARY, _clause_start

# "pas de voiture", "ni bus ni train", "sans permis": the words after these are denied.
NEGATORS = {"pas", "ni", "sans", "aucun", "aucune", "jamais", "non", "plus", "rien"}
NEGATION_REACH = 3


# A negation stops at these: "sans logement et loyer dur" denies only the housing.
NEGATION_STOPS = {"et", "mais", "ou", "puis", "par", "contre", "sinon"}
SUBJECTS = {"je", "j"}  # a new clause starts: a negation before it is not about what follows


def _denied(words: tuple[str, ...], positions: tuple[int, ...], problems: bool = False) -> bool:
    """'pas de voiture', 'ni bus': a negation just before; 'la RQTH, je n'ai jamais fait de
    demande', 'le permis je l'ai pas': a verb's negation just after, in the same sentence."""
    first, last = positions[0], positions[-1]
    if _someone_elses(words[_clause_start(words, first) : first]):
        return True  # "c'est mon mari qui a l'AAH"
    if _no_longer(words, positions, problems):
        return True
    # "non jamais", "non aucun": a negation before an option named by a negation agrees with it.
    reach = 0 if all(words[i] in NEGATORS for i in positions) else NEGATION_REACH
    # "je ne tiens pas particulierement a un CDI": a softening word does not count
    reach += (
        sum(1 for w in words[max(0, first - reach - 2) : first] if w in SOFTENERS) if reach else 0
    )
    for at in range(first - 1, max(0, first - reach) - 1, -1):
        word = words[at]
        if word in NEGATION_STOPS or word == BOUNDARY:
            break
        if word == "quoi":
            return True  # "c'est quoi la RQTH ?": asked about, not chosen
        if at == first - 1 and _all_but_this(words, first):
            return True  # "tout sauf l'interim"
        if word in MOVES and at > 0 and words[at - 1] in ("pas", "plus", "jamais"):
            return True  # "je peux pas retourner chez mes parents"
        if word in LEFT_OR_ASKED or (word in FILED and not problems):
            return True  # "sorti du foyer", "une demande HLM": left it, or not obtained yet
        if word == "avant" and at == first - 1:
            return True  # "avant CADA. maintenant colocation": what was before
        if word in NEGATORS and words[at + 1] in SUBJECTS and at + 1 <= first:
            break  # "je fais rien je cherche du travail": it ended the clause before
        if word in NEGATORS:
            # "j'arrive pas a gerer mon budget", "je sais ni lire ni ecrire": in a list of
            # difficulties, not being able to do something is that difficulty.
            # "ca colle pas avec les horaires": in a list of difficulties, what does not fit is
            # that difficulty
            return not (problems and (_unable(words, at) or words[at + 1] == "avec"))
    after = words[last + 1 : last + 7]
    if after[:2] == ("par", "contre"):
        after = words[last + 3 : last + 11]  # "l'interim par contre, c'est trop complique"
    # "Pour la RQTH, je n'ai jamais...": a topic named first, then what is said of it.
    topic = any(w in ("pour", "quant") for w in words[_clause_start(words, first) : first])
    if (
        problems
        and after[:1] == ("non",)
        and after[1:2] != ("plus",)
        and _fine_said_before(words, first)
    ):
        return False  # "parler ca va. lire et ecrire non": not fine, so a difficulty
    return _denied_after(after, topic, problems)


# A past of having or being: in a list of situations, what was is not what is.
PAST = {"avais", "avait", "avaient", "etais", "etait", "etaient", "vendu", "vendue"}
NOW = {"maintenant", "toujours", "encore", "actuellement", "aujourd", "depuis"}


def _gone(words: tuple[str, ...], positions: tuple[int, ...]) -> bool:
    """'j'avais une voiture mais je l'ai vendue', 'le camion etait en leasing': said in the
    past tense of its own clause, without a 'maintenant' or 'toujours' that brings it back."""
    first, last = positions[0], positions[-1]
    start = _clause_start(words, first)
    end = words.index(BOUNDARY, last) if BOUNDARY in words[last:] else len(words)
    before = tuple(
        w
        for i, w in enumerate(words[: last + 1])
        if i >= max(start, first - 4) and i not in positions
    )
    after = words[last + 1 : min(end, last + 4)]
    if any(w in NEGATION_STOPS for w in after):
        after = after[: min(i for i, w in enumerate(after) if w in NEGATION_STOPS)]
    clause = words[start:end]
    if any(w in NEGATION_STOPS for w in before):
        before = before[max(i for i, w in enumerate(before) if w in NEGATION_STOPS) + 1 :]
    return any(w in PAST for w in before + after) and not any(w in NOW for w in clause)


def _no_longer(words: tuple[str, ...], positions: tuple[int, ...], problems: bool) -> bool:
    """Left, or no longer so: 'depuis qu'il est parti de chez sa mere', 'j'etais en bac pro
    mais j'ai lache'; in a list of situations, 'j'avais une voiture'."""
    first = positions[0]
    if any(
        words[i] in LEFT_OR_ASKED and words[i + 1 : i + 3] == ("de", "chez")
        for i in range(max(0, first - 6), first)
    ):
        return True
    if words[max(0, first - 2) : first] in (("etais", "en"), ("etait", "en")):
        return True
    return problems and _gone(words, positions)


def _someone_elses(before: tuple[str, ...]) -> bool:
    """'c'est mon mari qui a ...': what follows is another person's."""
    for i in range(len(before) - 3):
        if before[i : i + 2] in (("c", "est"), ("c", "etait")) and before[i + 2] in OTHERS:
            return "qui" in before[i + 3 : i + 8]  # "c'etait mon epouse, paix a son ame, qui"
    return False


def _unable(words: tuple[str, ...], at: int) -> bool:
    """The negation at ``at`` follows an ability ('pas' in 'j'arrive pas'), or is a 'ni' of a
    chain that does ('ni ecrire' in 'je sais ni lire ni ecrire'). Not being able to go or stay
    somewhere is not being there ('je peux pas retourner chez mes parents')."""
    if words[at + 1 : at + 2] and words[at + 1] in MOVES:
        return False
    if at > 0 and words[at - 1] in ABILITY:
        return True
    if words[at] != "ni":
        return False
    for back in range(at - 1, max(0, at - 6) - 1, -1):
        if words[back] == BOUNDARY:
            return False
        if words[back] == "ni":
            return back > 0 and words[back - 1] in ABILITY
    return False


def _verb_negated(after: tuple[str, ...], index: int) -> bool | None:
    """'je n'ai jamais fait de demande', 'le permis je l'ai pas' (True); 'je ne dis pas non'
    (False: a yes); None when the word at ``index`` starts no negation."""
    word = after[index]
    if word in ("n", "ne") and any(
        w in ("pas", "jamais", "plus") for w in after[index + 1 : index + 4]
    ):
        return "non" not in after[index + 2 : index + 5]
    if (
        word in ("ai", "lai")
        and index < 3
        and after[index + 1 : index + 2] in (("pas",), ("jamais",), ("plus",))
    ):
        return True
    return None


def _broken_or_refused(after: tuple[str, ...], index: int, problems: bool) -> bool:
    """'la voiture est morte', 'l'interim c'est trop complique', 'l'interim j'en ai marre' (a
    difficulty one is fed up with stays one)."""
    pair = tuple(after[index : index + 2])
    ends = after[index + 2 : index + 3] in ((), (BOUNDARY,))
    return (
        (after[index] in BROKEN and index <= 4)  # "le bac pro je l'ai rate"
        # "l'ecole c'est fini pour moi" (an expired residence permit is a difficulty)
        or (after[index] in ENDED and index <= 2 and not problems)
        or pair in REFUSED_AFTER
        or (pair in NOT_WANTED and ends)
        or (pair in FED_UP and ends and index <= 3 and not problems)
    )


def _denied_after(after: tuple[str, ...], topic: bool, problems: bool) -> bool:
    """A negation in the words right after an option's name, before the sentence moves on."""
    crossed = 0
    for index, word in enumerate(after):
        if word in NEGATION_STOPS or word in STOPWORDS_AFTER:
            return False
        if _broken_or_refused(after, index, problems):
            return True
        if word == BOUNDARY:
            clause = after[index + 1 :]
            clause = clause[: clause.index(BOUNDARY)] if BOUNDARY in clause else clause
            if index == 0 and " ".join(clause) in NO:
                return True  # "RSA, affirmatif. RQTH, negatif."
            crossed += 1
            if crossed > 1 or not topic:
                return False
            continue
        if word in ASKED_AFTER and index <= 4 and not problems:
            return True  # "la rqth j'ai fait la demande mais toujours rien"
        if word == "quoi" and after[max(0, index - 2) : index] == ("c", "est"):
            return True  # "la RQTH c'est quoi ?": asked about, not chosen
        if word in NEW_SUBJECT:
            # "la RQTH c'est mon mari qui l'a": someone else's; "autre chose, mon fils ne va plus
            # au college": another subject, the negation is not about the option.
            return (
                after[index - 2 : index] == ("c", "est") and "qui" in after[index + 1 : index + 4]
            )
        negated = _verb_negated(after, index)
        if negated is not None:
            return negated
        if word == "non" and index == 0:
            return True
        if problems and word in ("pas", "jamais") and after[index + 1 : index + 2] in INABILITY:
            return (
                False  # "demarche internet pas connais faire": in a list of difficulties, that one
            )
        if _bare_negation_at(after, index):
            return True
        if problems and _fine(after[index:]):
            return True
    return False


# "je bosse pas de nuit", "pas mal", "plus de 2 ans", "perdu pas loin de 1200 euros": the
# negation is about what follows.
_NOT_ABOUT_BEFORE = {
    "de", "d", "du", "des", "la", "le", "les", "un", "une", "mal", "trop", "que", "loin",
}  # fmt: skip
# "le car passe plus au village": no longer, there.
_NO_LONGER = {
    "depuis", "maintenant", "actuellement", "aujourd", "du", "vraiment", "trop", "au", "ici",
    "dans", "chez",
}  # fmt: skip


def _fine(rest: tuple[str, ...]) -> bool:
    """'parler un peu ca va', 'la famille ca va tranquille': in a list of difficulties, that
    one is fine."""
    if rest[:3] in NO_PROBLEM or rest[:2] in NO_PROBLEM:
        return True
    if rest[:1] == ("ok",) and rest[1:2] in ((), (BOUNDARY,), ("mais",), ("et",), ("par",)):
        return True  # "parler ok. ecrire difficile"
    return rest[:2] == ("ca", "va") and "pas" not in rest[2:4]


def _fine_said_before(words: tuple[str, ...], first: int) -> bool:
    """'parler ca va. lire et ecrire non': an earlier clause said one was fine, so a 'non'
    now is 'not fine', and 'lire aussi' is fine too."""
    before = words[: _clause_start(words, first)]
    return any(_fine(before[i:]) and (i == 0 or before[i - 1] != "pas") for i in range(len(before)))


NO_PROBLEM = {("pas", "de", "probleme"), ("pas", "de", "souci"), ("aucun", "probleme"),
              ("sans", "probleme"), ("aucun", "souci")}  # fmt: skip


# "je parle bien, mais ecrire c'est dur": in a list of difficulties, that one is not.
GOOD_AT = {"bien", "couramment", "correctement"}
_GOOD_AT_ENDS = {BOUNDARY, "mais", "et", "le", "la", "l", "francais", "sauf", "par"}


def _fine_after(words: tuple[str, ...], positions: tuple[int, ...]) -> bool:
    after = words[positions[-1] + 1 : positions[-1] + 4]
    if after[:1] in (("et",), ("ni",)):
        # "parler et compter pas de probleme", "la famille ni la sante non ca va"
        chained = words[positions[-1] + 2 : positions[-1] + 7]
        for i in (1, 2):  # right after the next option's word or two
            rest = chained[i + 1 :] if chained[i : i + 1] == ("non",) else chained[i:]
            if _fine(rest):
                return True
    if after and after[0] in GOOD_AT and (len(after) == 1 or after[1] in _GOOD_AT_ENDS):
        return True
    if after[:1] == ("aussi",) and after[1:2] in ((), (BOUNDARY,)):
        return _fine_said_before(words, positions[0])  # "parler ca va, lire aussi"
    return any(_fine(after[i:]) for i in range(len(after)))


# "ma mere m'a mise dehors": in a list of difficulties, the family member is who acted; the
# difficulty is the housing.
PUT_OUT = {"dehors", "vire", "viree", "jete", "jetee", "expulse", "expulsee"}


# "c'est ma fille qui m'aide": the family member helps, they are not the difficulty.
HELPS_ME = {
    ("qui", "m", "aide"),
    ("qui", "maide"),
    ("m", "aide"),
    ("maide",),
    ("qui", "m", "aident"),
}


def _acted_after(words: tuple[str, ...], positions: tuple[int, ...]) -> bool:
    after = words[positions[-1] + 1 : positions[-1] + 6]
    if any(after[: len(helps)] == helps for helps in HELPS_ME):
        return True
    return BOUNDARY not in after[:2] and any(w in PUT_OUT for w in after)


def _bare_negation_at(after: tuple[str, ...], index: int) -> bool:
    """'je travaille plus depuis l'an dernier', 'je bosse pas' right after the option; 'le bus
    passe pas ici', 'la voiture ca roule plus' after its verb."""
    if index != 0 and index != 1 and not (index == 2 and after[0] == "ca"):
        return False
    return _bare_negation(after[index], after[index + 1 :])


def _bare_negation(word: str, rest: tuple[str, ...]) -> bool:
    """A negation typed without its 'ne' right after an option's words ('je travaille pas')."""
    following = rest[0] if rest else BOUNDARY
    if word in ("pas", "jamais"):
        if rest[:2] in (("plus", "de"), ("plus", "d"), ("plus", "que")):
            return False  # "a temps partiel oui, pas plus de 20h": about how much
        return following not in _NOT_ABOUT_BEFORE
    if word == "plus":  # "je travaille plus": no longer; "plus de 35h": more
        return following == BOUNDARY or following in _NO_LONGER
    return False


# Just before an option: the person left it, or asked for it without having it yet.
LEFT_OR_ASKED = {
    "sorti", "sortie", "sortis", "quitte", "demande", "demandee", "attente", "commence",
    "commencee", "parti", "partie", "partis",  # "depuis qu'il est parti de chez sa mere"
}  # fmt: skip
# "dossier mdph": asked for, not obtained; in a list of difficulties a file named is that
# difficulty ("dossier caf bloque").
FILED = {"dossier"}
# Just after an option: it no longer works ("la voiture est morte", "en panne").
BROKEN = {
    "morte", "mort", "panne", "cassee", "casse", "hs", "vendue", "vendu", "foutue", "rade",
    "rate", "ratee", "loupe", "loupee", "echoue",  # "le bac pro je l'ai rate"
}  # fmt: skip
ENDED = {"fini", "finie", "termine", "terminee"}
# Just after an option, in its clause: refused ("l'interim par contre c'est trop complique").
REFUSED_AFTER = {
    ("trop", "complique"), ("pas", "possible"), ("hors", "de"), ("pas", "question"),
    ("vit", "pas"), ("sors", "pas"),  # "a mi temps on vit pas", "je m'en sors pas"
    ("tiennent", "pas"), ("tient", "pas"),  # "plein temps les genoux tiennent pas"
}  # fmt: skip
# "l'interim j'en veux plus" (the clause ends there; "je veux plus d'interim" is about interim).
NOT_WANTED = {("veux", "plus"), ("veux", "pas"), ("voudrais", "pas")}
FED_UP = {("ai", "marre"), ("ai", "mar"), ("ai", "mare"), ("suis", "degoute"), ("suis", "degoutee")}
# Just after an option, in its clause: asked for, not obtained ("la RQTH j'ai fait la demande").
ASKED_AFTER = {"demande", "attente", "dossier", "cours"}

# After an option's words, a possessive starts another subject: its negation is not about it.
NEW_SUBJECT = {"mon", "ma", "mes", "son", "sa", "ses"}
OTHERS = NEW_SUBJECT | {"lui", "elle", "eux"}  # "c'est lui qui est malade, pas moi"

# "pas connais", "pas capable": not knowing how is the difficulty itself.
INABILITY = {(w,) for w in ("connais", "sais", "arrive", "comprends", "capable", "peux", "reussis")}

# "je peux pas retourner chez mes parents": not there ("je peux plus rester chez..." is there).
MOVES = {"retourner", "rentrer", "revenir", "aller", "retourne", "rentre", "reviens", "vais"}
ABILITY = {"arrive", "jarrive", "arrives", "parviens", "reussis", "sais", "peux", "sait", "peut"}

# After an option's words, these start something else: its negation is not about the option.
STOPWORDS_AFTER = {"que", "qui", "pour", "si", "quand", "car", "parce", "surtout"}


SOFTENERS = {"particulierement", "vraiment", "forcement", "specialement", "tellement", "encore"}
PROBLEM_WORDS = {"probleme", "problemes", "souci", "soucis", "difficulte", "difficultes"}


def _no_problem_with(words: tuple[str, ...], first: int) -> bool:
    """'je n'ai ni probleme de logement ni probleme d'argent', 'aucun souci pour le transport':
    where a lack names the option ('pas de logement'), no problem with it is still a denial."""
    before = words[max(0, first - 5) : first]
    if BOUNDARY in before:
        before = before[len(before) - before[::-1].index(BOUNDARY) :]
    for i, word in enumerate(before):
        if word not in ("pas", "ni", "aucun", "sans"):
            continue
        rest = before[i + 1 :]
        if rest[:1] in (("de",), ("d",)):
            rest = rest[1:]
        if rest[:1] and rest[0] in PROBLEM_WORDS:
            return True
    return False


def _all_but_this(words: tuple[str, ...], first: int) -> bool:
    """'tout sauf le transport', 'a part le logement', 'hormis l'argent': left out."""
    before = words[max(0, first - 3) : first]
    while before and before[-1] in ("le", "la", "les", "l", "de", "d", "du", "des"):
        before = before[:-1]
    return before[-1:] in (("sauf",), ("hormis",), ("excepte",)) or before[-2:] == ("a", "part")


def _not_this(words: tuple[str, ...], positions: tuple[int, ...]) -> bool:
    """'pas le transport' opening a clause denies the option even where a lack names it ('pas
    de voiture' is a transport difficulty; 'j'ai pas le permis' too: a verb comes first)."""
    first = positions[0]
    if _all_but_this(words, first):
        return True
    if first < 2 or words[first - 1] not in ("le", "la", "les", "l"):
        return False
    if words[first - 2] not in ("pas", "ni"):
        return False
    return first == 2 or words[first - 3] in (BOUNDARY, "et", "mais", "ou", "sauf")
