"""Health, family and papers (issue 16): "Je préfère en parler avec mon conseiller" is always
offered, stores nothing about the theme, and the referent sees it; SMS never spell them out."""

import pytest
from sqlalchemy import select

from backend.models import Contact, SituationItem
from backend.seed import seed
from backend.services import my_data
from backend.services.questionnaire.parser import parse_answer
from backend.services.questionnaire.schema import load_questionnaire
from backend.services.review import build_review
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic


@pytest.mark.parametrize(
    "text",
    [
        "je préfère en parler avec mon conseiller",
        "je prefere en parler a ma conseillere",
        "c'est personnel",
        "Voir avec conseiller",
    ],
)
@pytest.mark.parametrize("key", ["impact_sante", "impact_famille", "impact_papiers"])
def test_talking_it_over_is_understood(key, text):
    question = load_questionnaire().question(key)
    parsed = parse_answer(question, list(question.options), text)
    assert (parsed.kind, parsed.value) == ("answer", ["conseiller"])


def test_nothing_is_stored_on_the_theme_and_the_referent_sees_it(db):
    seed(db)
    db.commit()
    person = awa(db)
    answers = {
        **AWA,
        "freins": ["logement", "sante", "famille"],
        "impact_sante": ["conseiller"],
        "impact_famille": ["conseiller"],
    }
    prediag = answered_prediagnostic(db, person, answers)
    db.commit()
    themes = set(
        db.scalars(select(SituationItem.theme_key).where(SituationItem.beneficiary_id == person.id))
    )
    assert "sante" not in themes and "contraintes_familiales" not in themes
    assert build_review(db, prediag).to_discuss == ["Santé", "Famille"]
    contact = db.scalar(select(Contact).where(Contact.beneficiary_id == person.id))
    sms = my_data.summary_sms(db, contact)
    assert "santé" not in sms.casefold() and "famille" not in sms.casefold()
