"""Everyday words of the other languages people here mix into their French (English,
Portuguese, Spanish, Arabic as spoken in France, the Creoles of La Reunion and the Antilles),
read as the French word the parser knows.

Only words that cannot be French words themselves: "car" (a coach) or "bus" stay as they are.
Applied to normalised text (lower case, no accents), whole words only.
"""

from __future__ import annotations

import re

FOREIGN_WORDS: dict[str, str] = {
    # yes, no, a little, a lot
    "yes": "oui", "yeah": "oui", "yep": "oui", "si claro": "oui",
    "nope": "non", "nao": "non", "no problem": "pas de probleme", "not": "pas",
    "a lot": "beaucoup", "muito": "beaucoup", "mucho": "beaucoup", "bezzaf": "beaucoup",
    "bzaf": "beaucoup", "very much": "beaucoup",
    "a bit": "un peu", "a little": "un peu", "um pouco": "un peu", "un poco": "un peu",
    "chwiya": "un peu", "chouia": "un peu", "choui": "un peu", "shwiya": "un peu",
    "not so much": "pas trop", "not much": "pas trop", "not really": "pas vraiment",
    "nothing": "rien", "nada": "rien", "walou": "rien", "walo": "rien",
    "i don t know": "je sais pas", "i dont know": "je sais pas", "dont know": "je sais pas", "nao sei": "je sais pas",
    # what people name
    "work": "travail", "working": "travail", "trabalho": "travail", "trabajo": "travail",
    "i work": "je travaille", "house": "logement", "casa": "logement",
    "money": "argent", "dinheiro": "argent", "dinero": "argent", "health": "sante",
    "saude": "sante", "salud": "sante", "family": "famille", "familia": "famille",
    "children": "enfants", "kids": "enfants", "filhos": "enfants", "papers": "papiers",
    "documents": "papiers", "impostos": "impots", "taxes": "impots", "write": "ecrire",
    "writing": "ecrire", "escrever": "ecrire", "read": "lire", "reading": "lire", "ler": "lire",
    "speak": "parler", "speaking": "parler", "falar": "parler", "driving licence": "permis",
    "driving license": "permis", "computer": "ordinateur", "phone": "telephone",
    "training": "formation",
    # little words that change the meaning
    "alone": "seul", "sozinho": "seul", "sozinha": "seul", "solo": "seul", "also": "aussi",
    "tambem": "aussi", "too": "aussi", "first": "d abord", "primeiro": "d abord",
    "then": "puis", "depois": "puis", "expensive": "cher", "caro": "cher", "cara": "cher",
    "expired": "expire", "expirado": "expire", "demais": "trop", "too much": "trop",
    "before": "avant", "after": "apres", "find": "trouver", "need": "besoin",
    "little bit": "un peu", "a little bit": "un peu", "learn": "apprends", "i learn": "j apprends",
    "french": "francais", "frances": "francais", "syria": "syrie", "morocco": "maroc",
    "algeria": "algerie", "tunisia": "tunisie", "turkey": "turquie",
    "papeles": "papiers", "primero": "d abord", "despues": "apres", "no mas": "pas",
    "abi": "", "abla": "", "yani": "",
    "last summer": "l ete dernier", "last year": "l an dernier", "part time": "temps partiel",
    "full time": "temps plein", "only": "seulement", "sorry": "pardon", "no sorry": "non pardon",
    "no matter": "peu importe", "all is ok": "tout me va", "i am learning": "j apprends",
    "learning": "apprends", "i dont have": "je n ai pas", "i don t have": "je n ai pas",
    "say": "disons", "digamos": "disons", "id card": "carte d identite",
    "cartao de cidadao": "carte d identite", "passport": "passeport",
    # Creole (La Reunion, the Antilles): words that are not French words
    "na poin": "pas de", "na point": "pas de", "nena": "j ai", "mwen": "je", "loto": "voiture",
    "osi": "aussi", "boukou": "beaucoup", "travay": "travail", "depi": "depuis",
    "an ni": "j ai", "pa ni": "pas de", "i ni": "il y a", "pemi": "permis", "intenet": "internet",
    "alez": "a l aise", "ditou": "du tout", "lekol": "l ecole", "kite": "quitte",
    "vwazen": "voisin", "ankò": "encore", "anko": "encore", "kase": "casse", "epi": "avec",
    "men": "mais", "bann": "les", "zot": "vous", "koz": "parle", "konnet": "connais",
    "plis": "plus", "kilomet": "km", "sav": "sais", "pe pas": "peux pas",
}  # fmt: skip

_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, FOREIGN_WORDS), key=len, reverse=True)) + r")\b"
)


# "no" alone before a clause ends ("sozinho? no, not with..."); elsewhere it may be the
# Portuguese "in the" ("no camping").
_LONE_NO = re.compile(r"\bno\b(?= zzbound|$)")
# Portuguese "sim" (yes), not a SIM card.
_SIM = re.compile(r"(?<!carte )(?<!puce )\bsim\b")
# Creole "mi" (I), not "a mi temps"; "travay pu" (no longer works), not "j'ai pu".
_MI = re.compile(r"\bmi\b(?! temps| chemin| journee| mars| ?-)")
_NO_LONGER = re.compile(r"\b(travail|travaille|bosse) pu\b")


def in_french(text: str) -> str:
    """``text`` (normalised, clause ends marked "zzbound") with the foreign words above
    replaced by their French words."""
    text = _PATTERN.sub(lambda m: FOREIGN_WORDS[m.group(1)], text)
    text = _NO_LONGER.sub(r"\1 plus", _MI.sub("je", text))
    return _SIM.sub("oui", _LONE_NO.sub("non", text))
