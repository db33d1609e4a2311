"""Consent to the pre-diagnostic: a refusal leaves nothing but the refusal, and a consent can be
withdrawn at any time ("je ne veux plus"): the questionnaire stops and the referent is told.

A consent row (backend/models/people.py) holds its time (created_at), the wording's version
(the questionnaire's version and digest) and, through its source message, the channel.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.models import (
    Consent,
    Contact,
    Event,
    Prediagnostic,
    PrediagnosticAnswer,
    PrediagnosticStatus,
    SituationUpdate,
)
from backend.services.events import EventKind, record_event
from backend.services.questionnaire.engine import CONSENT_KIND
from backend.services.questionnaire.state import CONSENT_REFUSED, QuestionnaireState

WITHDRAWN_KIND = EventKind.consent_withdrawn
# What LIKE 'prediag_%' matched before ("_" is a wildcard there): the questionnaire's events
# and also prediagnostic_read / prediagnostic_validated.
PREDIAG_EVENTS = [
    kind for kind in EventKind if kind.startswith("prediag")
]  # the event and the referent's inbox item


def forget_refused(session: Session, prediagnostic_id: int) -> bool:
    """After a refusal, only the Consent row saying no stays: the pre-diagnostic it ended, its
    answer and the events that told of that answer go."""
    prediag = session.get(Prediagnostic, prediagnostic_id)
    if prediag is None or QuestionnaireState.from_json(prediag.state).ended != CONSENT_REFUSED:
        return False
    session.flush()
    session.execute(
        delete(PrediagnosticAnswer).where(PrediagnosticAnswer.prediagnostic_id == prediag.id),
        execution_options={"synchronize_session": False},
    )
    for event in session.scalars(
        select(Event).where(
            Event.beneficiary_id == prediag.beneficiary_id, Event.kind.in_(PREDIAG_EVENTS)
        )
    ):
        if (event.data or {}).get("prediagnostic_id") == prediag.id:
            session.delete(event)
    session.delete(prediag)
    session.flush()
    return True


def latest(session: Session, beneficiary_id: int) -> Consent | None:
    return session.scalar(
        select(Consent)
        .where(Consent.beneficiary_id == beneficiary_id, Consent.kind == CONSENT_KIND)
        .order_by(Consent.id.desc())
        .limit(1)
    )


def withdraw(session: Session, contact: Contact, message_id: int | None = None) -> bool:
    """Withdraw the pre-diagnostic consent; False when none was given (nothing to withdraw)."""
    if contact.beneficiary_id is None:
        return False
    given = latest(session, contact.beneficiary_id)
    if given is None or not given.given:
        return False
    session.add(
        Consent(
            beneficiary_id=contact.beneficiary_id,
            kind=CONSENT_KIND,
            given=False,
            text_version=given.text_version,
            source_message_id=message_id,
        )
    )
    stopped = list(
        session.scalars(
            select(Prediagnostic).where(
                Prediagnostic.beneficiary_id == contact.beneficiary_id,
                Prediagnostic.status == PrediagnosticStatus.in_progress,
            )
        )
    )
    for prediag in stopped:
        prediag.status = PrediagnosticStatus.abandoned
        state = QuestionnaireState.from_json(prediag.state)
        state.ended = WITHDRAWN_KIND
        prediag.state = state.to_json()
    record_event(
        session,
        WITHDRAWN_KIND,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=message_id,
        data={"stopped_prediagnostics": [p.id for p in stopped]},
    )
    session.add(
        SituationUpdate(
            beneficiary_id=contact.beneficiary_id,
            contact_id=contact.id,
            kind=WITHDRAWN_KIND,
            data={},
            source_message_id=message_id,
        )
    )
    session.flush()
    return True
