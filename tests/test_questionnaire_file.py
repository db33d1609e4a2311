"""The questionnaire file: checked at load time with the line of any mistake, and within the
SMS budget once rendered."""

import threading
from pathlib import Path

import pytest

from backend.services import referential
from backend.services.questionnaire import schema
from backend.services.questionnaire.preview import questionnaire_preview
from backend.services.questionnaire.schema import (
    QUESTIONNAIRE_PATH,
    QuestionnaireError,
    load_questionnaire,
    parse_questionnaire,
)

TEXT = QUESTIONNAIRE_PATH.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    path = tmp_path / "questionnaire.yml"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_shipped_questionnaire_loads_and_every_label_is_the_referential_one():
    questionnaire = load_questionnaire()
    situations = referential.theme_situations()
    stored = [
        (s.theme, s.situation) for q in questionnaire.questions for o in q.options for s in o.stores
    ]
    assert len(stored) > 60
    assert all(label in situations[theme] for theme, label in stored)
    assert questionnaire.questions[0].type == "consent"


def test_a_misspelt_label_names_file_line_and_problem(tmp_path):
    path, text = broken(tmp_path, '"Locataire du parc social"', '"Locataire du parc socal"')
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line {line_of(text, 'parc socal')}:")
    assert "'Locataire du parc socal' is not a situation of theme 'logement'" in message


def test_a_wrong_type_and_a_bad_condition_are_both_reported(tmp_path):
    path, text = broken(tmp_path, "type: number", "type: numbre")
    text = text.replace("includes: [en_activite]", "includes: [en_activiter]", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    message = str(error.value)
    assert f"line {line_of(text, 'type: numbre')}: questions[" in message
    assert "type: Input should be 'consent', 'single'" in message
    # pydantic errors come first; a second load after fixing the type shows the condition
    fixed = text.replace("type: numbre", "type: number")
    with pytest.raises(QuestionnaireError) as error:
        parse_questionnaire(fixed, path)
    assert "'en_activiter' is not an option of 'activite'" in str(error.value)


def test_unknown_orientation_value_and_bad_yaml(tmp_path):
    path, text = broken(tmp_path, "niveau_etude: NV4}", "niveau_etude: BAC}")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    assert f"line {line_of(text, 'niveau_etude: BAC')}" in str(error.value)
    assert "'BAC' is not a value of 'niveau_etude'" in str(error.value)
    with pytest.raises(QuestionnaireError, match=r"line \d+: not valid YAML"):
        parse_questionnaire("questions: [\n  - key: a\n    text: 'x\n", path)


def test_wording_change_needs_no_code_and_is_picked_up(tmp_path):
    path, _ = broken(tmp_path, 'text: "Quel est votre projet ?"', 'text: "Votre projet ?"')
    assert load_questionnaire(path).question("projet").text == "Votre projet ?"


def test_threads_asking_at_once_for_an_edited_questionnaire_parse_it_once(tmp_path, monkeypatch):
    """The worker's threads all start their first turns together: one parse, not one each."""
    path, _ = broken(tmp_path, 'text: "Quel est votre projet ?"', 'text: "Votre projet ?"')
    parses = []
    real = schema.parse_questionnaire
    monkeypatch.setattr(schema, "parse_questionnaire", lambda *a: parses.append(1) or real(*a))
    threads = [threading.Thread(target=load_questionnaire, args=(path,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(parses) == 1


def test_every_sms_is_gsm7_and_at_most_two_segments():
    preview = questionnaire_preview()
    assert {row["sms"]["encoding"] for row in preview} == {"GSM-7"}
    assert max(row["sms"]["segments"] for row in preview) <= 2
    # Short questions: most fit one segment.
    one = sum(row["sms"]["segments"] == 1 for row in preview)
    assert one >= len(preview) - 8
    consent = preview[0]
    assert consent["key"] == "consentement" and consent["sms"]["segments"] == 1
    assert [b["title"] for b in consent["telegram"]["buttons"]] == ["Oui", "Non"]


def test_health_is_asked_as_impact_only_and_nothing_judicial():
    questionnaire = load_questionnaire()
    labels = {s.situation for q in questionnaire.questions for o in q.options for s in o.stores}
    assert "Difficulté d’ordre juridique" not in labels
    assert "État de santé déclaré rendant incompatible la conduite" not in labels
    assert "Problématique de santé d'un enfant" not in labels
    health = [q for q in questionnaire.questions if q.frein == "sante"]
    assert [q.type for q in health] == ["single"]
    # Every option is an impact, but "Je préfère en parler avec mon conseiller" (stores nothing).
    assert all(o.impact or o.key == "conseiller" for o in health[0].options)


def test_health_family_and_papers_always_offer_the_referent_and_store_nothing():
    questionnaire = load_questionnaire()
    sensitive = [
        q
        for q in questionnaire.questions
        if q.frein in ("sante", "contraintes_familiales", "difficulte_administrative") and q.options
    ]
    assert {q.key for q in sensitive} >= {"impact_sante", "impact_famille", "impact_papiers"}
    for question in sensitive:
        [option] = [o for o in question.options if o.key == "conseiller"]
        assert option.label == "Je préfère en parler avec mon conseiller", question.key
        assert (option.stores, option.sets, option.impact) == ([], {}, None), question.key
