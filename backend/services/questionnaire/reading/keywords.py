"""Keywords a whole message may be: yes, no, I don't know, skip, back, help, resume, pause."""

from __future__ import annotations

from rapidfuzz import fuzz

from .normalising import plain_words
from .parsed import Kind


def _phrases(*items: str) -> set[str]:
    return {" ".join(plain_words(i)) for i in items}


YES = _phrases(
    "oui", "ouais", "ouai", "oue", "ouep", "wi", "ui", "yes", "yep", "ok", "okay", "oki",
    "d'accord", "daccord", "dac", "bien sur", "exact", "exactement", "voila", "carrement",
    "volontiers", "oui oui", "oui bien sur", "ouii", "ouiii", "si", "ouaip", "ouiiii",
    "oui madame", "oui monsieur", "vas y", "allez y", "c est parti", "go", "evidemment",
    "pourquoi pas", "ouais pourquoi pas", "oui pourquoi pas", "affirmatif", "absolument",
    "tout a fait", "bien entendu", "certainement", "bien sur que oui", "of course", "wesh oui",
    "oui volontiers", "avec plaisir", "yes oui", "ca marche", "ca roule", "ca me va",
    "je dirais pas non", "je ne dirais pas non", "je dis pas non", "je ne dis pas non",
    "pk pas", "pq pas", "ouais pk pas", "oui pk pas",
)  # fmt: skip
NO = _phrases(
    "non", "nan", "no", "nope", "nop", "non merci", "pas du tout", "nn", "nonn", "non non",
    "nan merci", "non madame", "non monsieur", "pas vraiment", "jamais", "nannn", "negatif",
    "bien sur que non", "surtout pas", "pas question", "certainement pas", "absolument pas",
    "aucunement", "du tout", "non jamais", "nan jamais", "pas pour le moment",
    "pas pour l instant", "pas maintenant", "malheureusement non", "malheureusement pas",
    "helas non", "pas trop",
)  # fmt: skip
# "carrement pas", "absolument pas", "evidemment que non": a word that strengthens a yes, turned
# into a no by the negation right after it.
INTENSIFIERS = {
    "carrement", "absolument", "evidemment", "surement", "certainement", "vraiment", "clairement",
    "bien sur", "tout a fait", "franchement",
}  # fmt: skip


def strengthened_no(text: str) -> bool:
    """'carrement pas', 'bien sur que non', 'absolument pas du tout'."""
    for word in INTENSIFIERS:
        if text.startswith(word + " "):
            rest = text[len(word) + 1 :].split()
            if rest[:1] in (["pas"], ["non"]) or rest[:2] == ["que", "non"]:
                return True
    return False


DONT_KNOW = _phrases(
    "je sais pas", "je ne sais pas", "sais pas", "jsp", "chais pas", "j sais pas",
    "jsais pas", "ne sais pas", "aucune idee", "je c pas", "je sai pas", "je sait pas",
    "sait pas", "sai pas", "je ne sait pas", "sais plus", "je sais plus", "nsp",
    "je sais pas trop", "je sais pas encore", "sais pas encore", "pas encore decide",
    "je ne sais pas encore", "ca depend", "je sais pas ca depend", "bof je sais pas",
    "jsp trop", "aucune idee franchement", "on verra", "je ne saurais pas", "je saurais pas",
    "je ne saurais pas vous dire", "je saurais pas dire", "je ne saurais dire", "difficile a dire",
    "dur a dire", "je ne saurais vous dire", "saurais vous dire", "sait pas trop dire",
    "sais pas trop dire", "je sais pas dire", "sais pas dire",
)  # fmt: skip
SKIP = _phrases(
    "passer", "passe", "pass", "je passe", "suivant", "suivante", "question suivante",
    "skip", "pas de reponse", "je prefere pas", "je prefere ne pas repondre",
    "je ne veux pas repondre", "je veux pas repondre", "pas envie", "joker",
    "je prefere pas dire", "je prefere ne pas dire", "je prefere pas en parler",
    "je ne prefere pas", "prefere pas", "pas envie de repondre", "ca vous regarde pas",
    "je prefere garder ca pour moi", "pas envie d en parler", "je prefere pas detailler",
    "je prefere ne pas detailler", "je prefere ne pas en parler",
)  # fmt: skip
# "je prefere ne pas repondre a ca", "je prefere pas repondre pour l'instant": a refusal that
# starts the message is one, whatever follows.
SKIP_STARTS = _phrases(
    "je prefere ne pas", "je prefere pas", "je ne veux pas repondre", "je veux pas repondre",
    "je prefere passer", "je ne reponds pas", "je reponds pas", "je ne repondrai pas",
    "pas envie de repondre", "pas envie d en parler", "je ne souhaite pas repondre",
    "je souhaite pas repondre", "je ne souhaite pas en parler", "je prefererais ne pas",
    "je prefererais pas", "je prefere ne pas m etendre", "je ne prefere pas",
    # typed for someone: "on prefere pas repondre a ca", "il prefere pas"
    "on prefere pas", "on prefere ne pas", "il prefere pas", "elle prefere pas",
    "il prefere ne pas", "elle prefere ne pas",
)  # fmt: skip
# Words before a refusal or an "I don't know" that point at the question or the speaker.
POINTING = {"ca", "la", "moi", "mi", "ben", "bah", "euh", "bof"}
BACK = _phrases(
    "retour", "revenir", "precedent", "precedente", "question precedente", "retour arriere",
    "je me suis trompe", "je me suis trompee", "erreur", "retourner", "en arriere",
)  # fmt: skip
HELP = _phrases(
    "aide", "help", "aidez moi", "je comprends pas", "je comprend pas", "comprends pas",
    "comprend pas", "j ai pas compris", "jai pas compris", "c quoi", "c est quoi",
    "cest quoi", "comment", "comment ca", "hein", "quoi", "je comprends rien",
    "je ne comprends pas", "pas compris", "j ai rien compris", "ca veut dire quoi",
)  # fmt: skip
RESUME = _phrases(
    "reprendre", "reprend", "reprends", "continuer", "continue", "on reprend", "on continue",
    "bonjour", "bonsoir", "salut", "coucou", "bjr", "slt", "hello", "cc", "re", "rebonjour",
    "me revoila", "je suis la", "questionnaire", "pre diagnostic", "prediagnostic",
)  # fmt: skip
PAUSE = _phrases(
    "plus tard", "pause", "apres", "later", "pas maintenant", "je continue plus tard",
    "a plus tard", "une autre fois", "demain", "continuer plus tard", "stop pour aujourd hui",
    "je reprendrai plus tard", "on continue demain", "je dois y aller", "pas le temps",
)  # fmt: skip
KEYWORDS: list[tuple[Kind, set[str]]] = [
    ("back", BACK),
    ("help", HELP),
    ("pause", PAUSE),
    ("resume", RESUME),
]


def _match_set(text: str, phrases: set[str]) -> bool:
    if text in phrases:
        return True
    # One typo in a short keyword ("retoure", "passerr", "ouaiss") still counts.
    return len(text) >= 4 and any(
        len(p) >= 4 and abs(len(p) - len(text)) <= 2 and fuzz.ratio(text, p) >= 85 for p in phrases
    )
