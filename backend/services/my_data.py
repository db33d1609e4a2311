"""The right of access: "qu'est-ce que vous savez sur moi ?".

By message, a short summary by theme that never spells out health, family or papers (a phone is
often shared); the full export is for the referent to hand over (backend/web, person page).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.messages import text
from backend.models import (
    Appointment,
    Beneficiary,
    CallbackRequest,
    Consent,
    Contact,
    Message,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
)
from backend.services.questionnaire.engine import Engine
from backend.services.questionnaire.view import latest_prediagnostic

NOTHING = text("my_data_nothing")
STATUSES = {
    "in_progress": text("my_data_status_in_progress"),
    "submitted": text("my_data_status_submitted"),
    "validated": text("my_data_status_validated"),
    "abandoned": text("my_data_status_abandoned"),
}


def summary_sms(session: Session, contact: Contact) -> str:
    """What was declared, by theme, without sensitive detail."""
    prediag = latest_prediagnostic(session, contact.beneficiary_id)
    if prediag is None or not prediag.answers:
        return NOTHING
    engine = Engine(session, contact)
    # The pre-submission summary already keeps health, family and papers out of an SMS.
    said = engine._summary_text(engine.view(prediag))
    status = STATUSES.get(prediag.status, prediag.status)
    return text("my_data_summary", status=status, summary=said)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(session: Session, beneficiary: Beneficiary) -> dict[str, Any]:
    """Everything stored about the person, for the referent to hand over on request."""
    from backend.services.questionnaire.summary import summary

    contacts = list(
        session.scalars(select(Contact).where(Contact.beneficiary_id == beneficiary.id))
    )
    contact_ids = [c.id for c in contacts]
    messages = session.scalars(
        select(Message).where(Message.contact_id.in_(contact_ids)).order_by(Message.id)
    )
    prediags = session.scalars(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id == beneficiary.id)
        .order_by(Prediagnostic.id)
    )

    def rows(model: Any) -> list[Any]:
        return list(
            session.scalars(
                select(model).where(model.beneficiary_id == beneficiary.id).order_by(model.id)
            )
        )

    return {
        "personne": {
            "id": beneficiary.id,
            "prenom": beneficiary.first_name,
            "nom": beneficiary.last_name,
            "date_de_naissance": _iso(beneficiary.birth_date),
            "email": beneficiary.email,
        },
        "contacts": [
            {"canal": c.channel, "adresse": c.address, "statut": c.status} for c in contacts
        ],
        "consentements": [
            {
                "type": c.kind,
                "donne": c.given,
                "version_du_texte": c.text_version,
                "le": _iso(c.created_at),
            }
            for c in rows(Consent)
        ],
        "pre_diagnostics": [summary(session, p) for p in prediags],
        "situations": [
            {"theme": s.theme_key, "libelle": s.label, "detail": s.detail, "statut": s.status}
            for s in rows(SituationItem)
        ],
        "projets": [
            {"metier": p.job_label, "rayon_km": p.mobility_radius_km, "statut": p.status}
            for p in rows(ProfessionalProject)
        ],
        "rdv": [
            {"le": _iso(a.starts_at), "lieu": a.place, "statut": a.status}
            for a in rows(Appointment)
        ],
        "demandes": [
            {"type": r.kind, "motif": r.reason, "statut": r.status, "le": _iso(r.created_at)}
            for r in rows(CallbackRequest)
        ]
        + [
            {"type": u.kind, "donnees": u.data, "statut": u.status, "le": _iso(u.created_at)}
            for u in rows(SituationUpdate)
        ],
        "messages": [
            {"sens": m.direction, "canal": m.channel, "texte": m.text, "le": _iso(m.created_at)}
            for m in messages
        ],
    }
