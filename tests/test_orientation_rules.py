"""The suggested parcours: one case per rule of the shipped file, the thresholds as settings,
properties that hold whatever the answers, and a rules file checked when loaded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.core.config import get_settings
from backend.services import referential
from backend.services.orientation.facts import Facts, Frein
from backend.services.orientation.labels import FREIN_NAMES
from backend.services.orientation.rules import (
    RULES_PATH,
    OrientationRulesError,
    load_rules,
    parse_rules,
)
from backend.services.orientation.suggest import frein_level, suggest

FREINS = [
    (f["orientation_field"], f["cdb_theme"]) for f in referential.orientation_criteria()["freins"]
]
INPUT = referential.orientation_criteria()["orientation_input"]
RANK = {"PED": 0, "PSP": 1, "PSO": 2}


def freins(**declared: tuple[str | None, str | None]) -> tuple[Frein, ...]:
    """The eight freins answered: those named get (impact, value), the others none."""
    result = []
    for field, theme in FREINS:
        name = field.removeprefix("contrainte_")
        if name in declared:
            impact, value = declared[name]
            result.append(Frein(field, theme, True, impact, value))
        else:
            result.append(Frein(field, theme, False, "AUCUNE", "AUCUNE"))
    return tuple(result)


UNANSWERED = tuple(Frein(field, theme, False, None, None) for field, theme in FREINS)
FORT = ("FORT", "IMPACT_FORT_RECHERCHE_EMPLOI")


def facts(sp="PLUS_DEUX_ANS", cap=True, niveau="NV4", projet="SALARIAT", age=None, f=None):
    return Facts(sp, cap, niveau, projet, age, freins() if f is None else f)


# One case per rule of backend/data/orientation_rules.yml: (rule, facts, parcours, reasons).
CASES = [
    (
        "reponses_manquantes",
        facts(sp=None, f=UNANSWERED),
        "EO",
        ["réponse manquante : activité récente", "réponse manquante : freins"],
    ),
    (
        "frein_fort_sans_activite",
        facts(f=freins(logement=FORT)),
        "PSO",
        ["pas d'activité depuis plus de 2 ans", "logement : impact fort"],
    ),
    (
        "frein_fort_pas_disponible",
        facts(
            sp="EN_ACTIVITE",
            cap=False,
            f=freins(sante=("FORT", "INCAPACITE_RECHERCHE_ACTIVITE_PRO")),
        ),
        "PSO",
        [
            "ne peut pas commencer à travailler pour l'instant",
            "santé : ne peut pas chercher d'emploi pour l'instant (compte comme impact fort)",
        ],
    ),
    (
        "frein_fort_avec_activite",
        facts(sp="DEUX_DERNIERES_ANNEES", f=freins(logement=("MOYEN", "SANS_LOGEMENT"))),
        "PSP",
        [
            "dernière activité il y a moins de 2 ans, pas en ce moment",
            "logement : sans logement (compte comme impact fort)",
        ],
    ),
    (
        "freins_moyens",
        facts(f=freins(mobilite=("MOYEN", "AUTRE"), sante=(None, None))),
        "PSP",
        ["transport : impact moyen", "santé : impact non précisé (compté moyen)"],
    ),
    (
        "pas_disponible_sans_frein",
        facts(sp="EN_ACTIVITE", cap=False),
        "EO",
        ["ne peut pas commencer à travailler pour l'instant", "aucun frein déclaré"],
    ),
    (
        "qualifie_sans_frein",
        facts(niveau="NV5", f=freins(numerique=("AUCUNE", "AUCUNE"))),
        "PED",
        [
            "niveau d'études qualifiant : CAP / BEP",
            "freins déclarés sans impact sur la recherche d'emploi",
        ],
    ),
    (
        "activite_recente_sans_frein",
        facts(sp="EN_ACTIVITE", niveau="C3A"),
        "PED",
        ["en activité", "aucun frein déclaré"],
    ),
    (
        "jeune_sans_frein",
        facts(sp="JAMAIS", niveau="AFS", age=19),
        "PED",
        ["âge : 19 ans (moins de 26 ans)", "aucun frein déclaré"],
    ),
    (
        "autre_situation",
        facts(sp="JAMAIS", niveau="AFS", age=40),
        "EO",
        [
            "les réponses ne correspondent à aucune règle : à voir en entretien",
            "jamais eu d'activité professionnelle",
            "peut commencer à travailler bientôt",
            "niveau d'études non qualifiant : Aucune formation scolaire",
            "âge : 40 ans (26 ans ou plus)",
            "aucun frein déclaré",
        ],
    ),
]


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    for name in (
        "ORIENTATION_RULES_FILE",
        "ORIENTATION_QUALIFYING_LEVELS",
        "ORIENTATION_RECENT_ACTIVITY_YEARS",
        "ORIENTATION_YOUNG_AGE",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_every_rule_of_the_shipped_file_has_a_case():
    assert [c[0] for c in CASES] == [r.key for r in load_rules().rules]


@pytest.mark.parametrize(
    ("rule", "given_facts", "parcours", "reasons"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule(rule, given_facts, parcours, reasons):
    result = suggest(given_facts, load_rules())
    assert (result.rule_key, result.parcours) == (rule, parcours)
    assert [r.text for r in result.reasons] == reasons


def _with_setting(monkeypatch, name: str, value: str):
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return load_rules()


def test_thresholds_are_settings_and_change_the_version(monkeypatch):
    default = load_rules()
    two_years = facts(sp="DEUX_DERNIERES_ANNEES", f=freins(logement=FORT))
    assert suggest(two_years, default).parcours == "PSP"
    now_only = _with_setting(monkeypatch, "ORIENTATION_RECENT_ACTIVITY_YEARS", "0")
    assert suggest(two_years, now_only).parcours == "PSO"
    assert now_only.version != default.version  # stored with each suggestion

    cap = facts(niveau="NV5")
    assert suggest(cap, default).parcours == "PED"
    stricter = _with_setting(monkeypatch, "ORIENTATION_QUALIFYING_LEVELS", "NV4,NV3,NV2,NV1")
    assert suggest(cap, stricter).rule_key == "autre_situation"

    young = facts(sp="JAMAIS", niveau="AFS", age=19)
    assert suggest(young, stricter).parcours == "PED"
    assert (
        suggest(young, _with_setting(monkeypatch, "ORIENTATION_YOUNG_AGE", "18")).parcours == "EO"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ORIENTATION_QUALIFYING_LEVELS", "NV5,BAC", "BAC not an education level"),
        ("ORIENTATION_RECENT_ACTIVITY_YEARS", "3", "0 (only working now counts) or 2"),
        ("ORIENTATION_YOUNG_AGE", "5", "between 16 and 70"),
    ],
)
def test_a_wrong_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(OrientationRulesError) as error:
        load_rules()
    assert name in str(error.value) and message in str(error.value)


# --- properties -----------------------------------------------------------------------------


@st.composite
def frein_st(draw, field: str, theme: str) -> Frein:
    if not draw(st.booleans()):
        return Frein(field, theme, False, "AUCUNE", "AUCUNE")
    impact = draw(st.sampled_from(["FORT", "MOYEN", "AUCUNE", None]))
    value = draw(st.sampled_from([None, *INPUT[field]]))
    return Frein(field, theme, True, impact, value)


@st.composite
def facts_st(draw) -> Facts:
    answered = draw(st.booleans())
    return Facts(
        situation_professionnelle=draw(
            st.sampled_from([None, *INPUT["situation_professionnelle"]])
        ),
        capacite_a_travailler=draw(st.sampled_from([None, True, False])),
        niveau_etude=draw(st.sampled_from([None, *INPUT["niveau_etude"]])),
        projet_pro=draw(st.sampled_from([None, *INPUT["projet_pro"]])),
        age=draw(st.one_of(st.none(), st.integers(16, 70))),
        freins=tuple(draw(frein_st(f, t)) for f, t in FREINS) if answered else UNANSWERED,
    )


@settings(max_examples=300, deadline=None)
@given(facts_st(), st.integers(0, len(FREINS) - 1))
def test_adding_a_strong_frein_never_moves_towards_ped(given_facts, index):
    rules = load_rules()
    before = suggest(given_facts, rules).parcours
    field, theme = FREINS[index]
    current = list(given_facts.freins if given_facts.freins_answered else freins())
    current[index] = Frein(field, theme, True, "FORT", current[index].value)
    after = suggest(replace(given_facts, freins=tuple(current)), rules).parcours
    assert after != "PED"
    if before in RANK and after in RANK:
        assert RANK[after] >= RANK[before]
    if before != "EO":
        assert after != "EO"


@settings(max_examples=300, deadline=None)
@given(facts_st())
def test_removing_every_frein_never_moves_towards_pso(given_facts):
    rules = load_rules()
    before = suggest(given_facts, rules).parcours
    after = suggest(replace(given_facts, freins=freins()), rules).parcours
    assert after != "PSO"
    if before in RANK and after in RANK:
        assert RANK[after] <= RANK[before]


CRITERION_WORDS = {
    "activite_recente": "activité",
    "peut_travailler": "travailler",
    "qualifie": "niveau d'études",
    "jeune": "âge",
    "projet": "projet",
}


@settings(max_examples=400, deadline=None)
@given(facts_st())
def test_reasons_always_name_the_criteria_that_decided(given_facts):
    rules = load_rules()
    result = suggest(given_facts, rules)
    rule = rules.rule(result.rule_key)
    assert result.parcours == rule.parcours and result.reasons
    texts = " | ".join(r.text for r in result.reasons)
    for criterion, _ in rule.when.items():
        assert criterion in result.deciding
        if criterion in CRITERION_WORDS:
            assert CRITERION_WORDS[criterion] in texts
        elif criterion == "incomplet":
            assert "réponse manquante" in texts
        elif criterion == "freins" and result.criteria["freins"] != "aucun":
            level = result.criteria["freins"]
            for frein in given_facts.freins:
                if frein_level(frein, rules) == level:
                    assert f"{FREIN_NAMES[frein.field]} : " in texts
        elif criterion == "freins":
            assert "frein" in texts


# --- the rules file -------------------------------------------------------------------------

GOOD = RULES_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "line_of", "message"),
    [
        ("    parcours: PSO\n    when: {activite_recente: non, freins: fort}",
         "    parcours: PSX\n    when: {activite_recente: non, freins: fort}",
         "parcours: PSX", "rules[1].parcours: Input should be 'PED', 'PSP', 'PSO' or 'EO'"),
        ("when: {freins: moyen}", "when: {frein: moyen}", "when: {frein: moyen}",
         "rules[4].when.frein: Extra inputs are not permitted"),
        ("when: {freins: moyen}", "when: {freins: grave}", "when: {freins: grave}",
         "rules[4].when.freins[0]: Input should be 'fort', 'moyen' or 'aucun'"),
        ("contrainte_logement: [SANS_LOGEMENT, PROCEDURE_EXPULSION]",
         "contrainte_logement: [SANS_LOGEMENT, A_LA_RUE]",
         "contrainte_logement: [SANS_LOGEMENT, A_LA_RUE]", "'A_LA_RUE' is not a value of contrainte_logement"),
        ("  - key: autre_situation\n    parcours: EO\n    when: {}",
         "  - key: autre_situation\n    parcours: EO\n    when: {jeune: non}",
         "when: {jeune: non}", "the last rule must have no condition"),
        ("  - key: freins_moyens", "  - key: reponses_manquantes", "key: reponses_manquantes\n    parcours: PSP",
         "rule key 'reponses_manquantes' is used twice"),
        ('version: "2025.1"', "version: 2025.1", "version: 2025.1", "write the version as text in quotes"),
    ],
)  # fmt: skip
def test_a_wrong_rules_file_names_the_line_and_the_problem(old, new, line_of, message):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    line = text[: text.index(line_of)].count("\n") + 1
    with pytest.raises(OrientationRulesError) as error:
        parse_rules(text)
    assert f"line {line}:" in str(error.value) and message in str(error.value)


def test_a_coordinator_may_point_to_another_rules_file(monkeypatch, tmp_path):
    edited = tmp_path / "regles.yml"
    edited.write_text(GOOD.replace('version: "2025.1"', 'version: "2025.2-test"'), encoding="utf-8")
    monkeypatch.setenv("ORIENTATION_RULES_FILE", str(edited))
    get_settings.cache_clear()
    assert load_rules().version.startswith("2025.2-test-")
    edited.write_text("rules: [", encoding="utf-8")
    with pytest.raises(OrientationRulesError, match="not valid YAML"):
        load_rules()
