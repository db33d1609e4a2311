"""From the facts to a suggested parcours and its reasons, by the rules file (first match)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .facts import Facts, Frein
from .labels import FREIN_NAMES, VALUE_LABELS, value_label
from .rules import LEVELS, RuleSet

MISSING_NAMES = {
    "activite_recente": "activité récente",
    "peut_travailler": "pouvoir travailler bientôt",
    "freins": "freins",
}


@dataclass(frozen=True)
class Reason:
    criterion: str  # the rule's criterion it explains (activite_recente, freins...)
    text: str  # plain French, for the referent

    def as_dict(self) -> dict[str, str]:
        return {"criterion": self.criterion, "text": self.text}


@dataclass(frozen=True)
class Suggestion:
    parcours: str
    rule_key: str
    reasons: list[Reason]
    criteria: dict[str, Any] = field(default_factory=dict)  # what each criterion evaluated to

    @property
    def deciding(self) -> list[str]:
        return list(dict.fromkeys(r.criterion for r in self.reasons))


def frein_level(frein: Frein, rules: RuleSet) -> str | None:
    """fort / moyen / aucun for one frein; None when the freins question was not answered."""
    strong = rules.file.freins.strong_situations.get(frein.field, [])
    if frein.value in strong:
        return "fort"
    if frein.impact == "FORT":
        return "fort"
    if frein.impact == "MOYEN":
        return "moyen"
    if frein.impact == "AUCUNE":
        return "aucun"
    if frein.selected:
        return rules.file.freins.impact_not_given
    return None


def criteria(facts: Facts, rules: RuleSet) -> dict[str, Any]:
    """Each criterion a rule may test, evaluated (None: not known)."""
    t = rules.thresholds
    yes_no = {True: "oui", False: "non", None: None}
    sp = facts.situation_professionnelle
    levels = [lvl for f in facts.freins if (lvl := frein_level(f, rules))]
    freins = None
    if facts.freins_answered:
        freins = next((lvl for lvl in LEVELS if lvl in levels), "aucun")
    values: dict[str, Any] = {
        "activite_recente": yes_no[None if sp is None else sp in t.recent_activity],
        "peut_travailler": yes_no[facts.capacite_a_travailler],
        "qualifie": yes_no[
            None if facts.niveau_etude is None else facts.niveau_etude in t.qualifying_levels
        ],
        "jeune": yes_no[None if facts.age is None else facts.age < t.young_age],
        "projet": facts.projet_pro,
        "freins": freins,
    }
    missing = [k for k in ("activite_recente", "peut_travailler", "freins") if values[k] is None]
    values["incomplet"] = "oui" if missing else "non"
    values["missing"] = missing
    return values


def _activity_text(facts: Facts) -> str:
    return {
        "EN_ACTIVITE": "en activité",
        "DEUX_DERNIERES_ANNEES": "dernière activité il y a moins de 2 ans, pas en ce moment",
        "PLUS_DEUX_ANS": "pas d'activité depuis plus de 2 ans",
        "JAMAIS": "jamais eu d'activité professionnelle",
    }.get(facts.situation_professionnelle or "", "activité récente non renseignée")


def _frein_text(frein: Frein, level: str, rules: RuleSet) -> str:
    name = FREIN_NAMES.get(frein.field, frein.field)
    if frein.value in rules.file.freins.strong_situations.get(frein.field, []):
        situation = VALUE_LABELS.get(frein.field, {}).get(frein.value or "", frein.value or "")
        return f"{name} : {situation.lower()} (compte comme impact fort)"
    if frein.impact is None:
        return f"{name} : impact non précisé (compté {level})"
    return f"{name} : impact {level}"


def reasons_for(
    criterion: str, facts: Facts, values: dict[str, Any], rules: RuleSet
) -> list[Reason]:
    """The reasons a criterion gives, in plain French."""
    t = rules.thresholds
    if criterion == "incomplet":
        return [
            Reason(criterion, f"réponse manquante : {MISSING_NAMES[name]}")
            for name in values["missing"]
        ]
    if criterion == "activite_recente":
        return [Reason(criterion, _activity_text(facts))]
    if criterion == "peut_travailler":
        text = (
            "peut commencer à travailler bientôt"
            if facts.capacite_a_travailler
            else "ne peut pas commencer à travailler pour l'instant"
        )
        return [Reason(criterion, text)]
    if criterion == "qualifie":
        level = value_label("niveau_etude", facts.niveau_etude)
        kind = "qualifiant" if values["qualifie"] == "oui" else "non qualifiant"
        return [Reason(criterion, f"niveau d'études {kind} : {level}")]
    if criterion == "jeune":
        side = (
            f"moins de {t.young_age} ans"
            if values["jeune"] == "oui"
            else f"{t.young_age} ans ou plus"
        )
        return [Reason(criterion, f"âge : {facts.age} ans ({side})")]
    if criterion == "projet":
        return [
            Reason(criterion, f"projet : {value_label('projet_pro', facts.projet_pro).lower()}")
        ]
    if criterion == "freins":
        level = values["freins"]
        if level == "aucun":
            named = any(f.selected for f in facts.freins)
            text = (
                "freins déclarés sans impact sur la recherche d'emploi"
                if named
                else "aucun frein déclaré"
            )
            return [Reason(criterion, text)]
        return [
            Reason(criterion, _frein_text(f, level, rules))
            for f in facts.freins
            if frein_level(f, rules) == level
        ]
    raise ValueError(f"unknown criterion {criterion}")


def suggest(facts: Facts, rules: RuleSet) -> Suggestion:
    values = criteria(facts, rules)
    for rule in rules.rules:
        conditions = rule.when.items()
        if all(values.get(c) is not None and values[c] in accepted for c, accepted in conditions):
            if conditions:
                reasons = [r for c, _ in conditions for r in reasons_for(c, facts, values, rules)]
            else:  # the catch-all: say what was known, so the interview starts from it
                reasons = [
                    Reason(
                        "autre",
                        "les réponses ne correspondent à aucune règle : à voir en entretien",
                    )
                ]
                for c in ("activite_recente", "peut_travailler", "qualifie", "jeune", "freins"):
                    if values[c] is not None:
                        reasons += reasons_for(c, facts, values, rules)
            return Suggestion(rule.parcours, rule.key, reasons, values)
    raise AssertionError("the rules file ends with a catch-all rule")  # checked at load
