"""A submitted pre-diagnostic as the chat engine would leave it, written straight to the store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Beneficiary,
    Contact,
    Event,
    Message,
    Prediagnostic,
    PrediagnosticAnswer,
    ProfessionalProject,
    SituationItem,
    utcnow,
)

SITUATIONS = [
    ("logement", "Hébergé chez un tiers"),
    ("mobilite", "Permis B"),
    ("mobilite", "Dépendant des transports en commun"),
    ("sante", "Couverture sociale / mutuelle à mettre à jour"),
]
QUESTIONS = ["work_situation", "education_level", "rqth", "logement", "mobilite", "sante"]


def awa(session: Session) -> Beneficiary:
    return session.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))


def submitted_prediagnostic(session: Session, beneficiary: Beneficiary) -> Prediagnostic:
    contact = session.scalar(select(Contact).where(Contact.beneficiary_id == beneficiary.id))
    start = utcnow() - timedelta(hours=3)
    prediagnostic = Prediagnostic(
        beneficiary_id=beneficiary.id,
        status="submitted",
        channel="sms",
        questionnaire_version="test",
        submitted_at=start + timedelta(minutes=10),
    )
    session.add(prediagnostic)
    session.flush()
    answers = {"work_situation": "recherche_emploi", "education_level": "NV4", "rqth": False}
    for key, value in answers.items():
        session.add(
            PrediagnosticAnswer(
                prediagnostic_id=prediagnostic.id,
                question_key=key,
                value=value,
                raw_text=str(value),
            )
        )
    source = {"channel": "sms"}
    for theme, label in SITUATIONS:
        session.add(
            SituationItem(
                beneficiary_id=beneficiary.id,
                prediagnostic_id=prediagnostic.id,
                theme_key=theme,
                label=label,
                source=source,
            )
        )
    session.add(
        ProfessionalProject(
            beneficiary_id=beneficiary.id,
            prediagnostic_id=prediagnostic.id,
            job_label="Aide-soignante",
            mobility_radius_km=30,
            contract_types=["cdi", "cdd"],
            employment_type="full_time",
            source=source,
        )
    )
    for index, (direction, text) in enumerate(
        [("in", "bonjour"), ("out", "Bonjour Awa ! Je peux vous aider pour :"),
         ("in", "je suis heberge chez ma soeur")]
    ):  # fmt: skip
        session.add(
            Message(
                contact_id=contact.id,
                direction=direction,
                channel="sms",
                text=text,
                status="processed" if direction == "in" else "sent",
                created_at=start + timedelta(seconds=index),
            )
        )
    # The chat engine's funnel events: every question asked and answered 20 s later.
    for index, key in enumerate(QUESTIONS):
        data = {"prediagnostic_id": prediagnostic.id, "question_key": key, "channel": "sms"}
        asked = start + timedelta(minutes=index)
        session.add(Event(kind="prediag_question_asked", data=data, created_at=asked))
        session.add(
            Event(kind="prediag_answer_saved", data=data, created_at=asked + timedelta(seconds=20))
        )
    session.add(
        Event(
            kind="prediag_submitted",
            data={"prediagnostic_id": prediagnostic.id, "channel": "sms"},
            created_at=start + timedelta(minutes=10),
        )
    )
    session.flush()
    return prediagnostic
