"""A pre-diagnostic answered through bot/questionnaire.yml (option keys, which are stable),
stored as the chat engine stores it: answers, then situations and projects derived from them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend.models import Beneficiary, Prediagnostic, PrediagnosticAnswer, utcnow
from backend.services.questionnaire.declarations import sync_projects, sync_situations
from backend.services.questionnaire.schema import load_questionnaire
from backend.services.questionnaire.view import View, latest_answers

# Awa: no work for more than 2 years, a Bac, RSA, can start now, wants a job as a vendeuse,
# housed by a friend, which weighs a lot on her job search.
AWA = {
    "consentement": ["oui"],
    "activite": ["plus_deux_ans"],
    "situation_actuelle": ["recherche"],
    "niveau": ["NV4"],
    "droits": ["rsa"],
    "capacite": ["oui"],
    "projet": ["salariat"],
    "metier": "vendeuse",
    "rayon": 20,
    "contrats": ["cdi", "cdd"],
    "temps": ["plein"],
    "freins": ["logement", "transport"],
    "impact_logement": ["fort"],
    "situations_logement": ["sans_logement", "tiers"],
    "impact_transport": ["moyen"],
    "situations_transport": ["transports_communs"],
    "confiance": ["non"],
    "accompagnement": ["oui"],
    "priorites": ["logement", "emploi"],
    "confirmation": ["oui"],
}


def answered_prediagnostic(
    session, beneficiary: Beneficiary, answers: dict[str, Any] | None = None, status="submitted"
) -> Prediagnostic:
    answers = AWA if answers is None else answers
    start = utcnow() - timedelta(hours=1)
    prediag = Prediagnostic(
        beneficiary_id=beneficiary.id,
        status=status,
        channel="sms",
        questionnaire_version="test",
        submitted_at=start + timedelta(minutes=10) if status != "in_progress" else None,
    )
    session.add(prediag)
    session.flush()
    for index, (key, value) in enumerate(answers.items()):
        session.add(
            PrediagnosticAnswer(
                prediagnostic_id=prediag.id,
                question_key=key,
                value=value,
                # What the person typed: a number of the menu, or the text itself.
                raw_text="1" if isinstance(value, list) else str(value),
                created_at=start + timedelta(seconds=index),
            )
        )
    session.flush()
    view = View(load_questionnaire(), latest_answers(session, prediag))
    source = {"channel": "sms", "entered_by": "USAGER"}
    sync_situations(session, prediag, view, source)
    sync_projects(session, prediag, view, source)
    session.flush()
    return prediag
