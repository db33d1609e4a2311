"""The pre-diagnostic: how the action server starts one (bot token; the answers themselves go
from the gateway to the engine, backend/services/conversation.py), what a referent reads (staff
token, own structure only), and the questionnaire preview for coordinators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel
from sqlalchemy import select

from backend.api.deps import SessionDep, require_bot, require_role
from backend.api.routes.bot import check_message
from backend.api.schemas.bot import PrediagnosticStarted, PrediagnosticState
from backend.api.schemas.prediagnostic import (
    PrediagnosticListItem,
    PrediagnosticOut,
    QuestionPreview,
)
from backend.core.safe_input import PathId, RowId
from backend.models import Account, Contact, Prediagnostic, PrediagnosticStatus, Role
from backend.services.access import visible_beneficiary
from backend.services.events import EventKind, record_event
from backend.services.questionnaire.engine import Engine, summary
from backend.services.questionnaire.preview import questionnaire_preview
from backend.services.questionnaire.schema import QuestionnaireError
from backend.services.questionnaire.state import QuestionnaireState

router = APIRouter(
    prefix="/bot", tags=["bot", "prediagnostic"], dependencies=[Depends(require_bot)]
)
staff_router = APIRouter(tags=["prediagnostic"])

StaffWithCases = Depends(require_role(Role.referent, Role.admin))
Coordinators = Depends(require_role(Role.coordinator, Role.admin))


def _contact(session: SessionDep, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown contact")
    return contact


def _engine(session: SessionDep, contact: Contact) -> Engine:
    try:
        return Engine(session, contact)
    except QuestionnaireError as exc:  # a coordinator's edit broke the file: say where
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc


def _committed(session: SessionDep, result: dict[str, Any]) -> dict[str, Any]:
    """Commit before answering: the action server's next call (the next question) must see this
    answer, and a dependency's own commit may only run once the response is sent."""
    session.commit()
    return result


@router.get("/contacts/{contact_id}/prediagnostic", response_model=PrediagnosticState)
def prediagnostic_status(contact_id: PathId, session: SessionDep) -> dict[str, Any]:
    """Is a pre-diagnostic in progress for this person (used when a conversation starts)?"""
    contact = _contact(session, contact_id)
    prediag = _engine(session, contact).current()
    return {
        "prediagnostic_id": prediag.id if prediag else None,
        "status": prediag.status if prediag else None,
        "in_progress": bool(prediag and prediag.status == PrediagnosticStatus.in_progress),
        "question_key": QuestionnaireState.from_json(prediag.state).asked_key if prediag else None,
    }


class StartIn(BaseModel):
    message_id: RowId | None = None


@router.post("/contacts/{contact_id}/prediagnostic/start", response_model=PrediagnosticStarted)
def start_prediagnostic(contact_id: PathId, body: StartIn, session: SessionDep) -> dict[str, Any]:
    """Start, or find the one in progress. An unknown number gets a 'pending' beneficiary."""
    contact = _contact(session, contact_id)
    check_message(session, contact, body.message_id)
    engine = _engine(session, contact)
    prediag, created = engine.start()
    return _committed(
        session,
        {
            "prediagnostic_id": prediag.id,
            "status": prediag.status,
            "created": created,
            "question_key": QuestionnaireState.from_json(prediag.state).asked_key,
            "text": engine.q.messages.already_submitted
            if prediag.status != PrediagnosticStatus.in_progress
            else None,
        },
    )


# --- staff -----------------------------------------------------------------------------------


@staff_router.get("/prediagnostics/{prediagnostic_id}", response_model=PrediagnosticOut)
def read_prediagnostic(
    prediagnostic_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    prediag = session.get(Prediagnostic, prediagnostic_id)
    if prediag is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown pre-diagnostic")
    visible_beneficiary(session, prediag.beneficiary_id, account)
    record_event(
        session,
        EventKind.prediagnostic_read,
        beneficiary_id=prediag.beneficiary_id,
        account_id=account.id,
        data={"prediagnostic_id": prediag.id},
    )
    return _committed(session, summary(session, prediag))


@staff_router.get(
    "/beneficiaries/{beneficiary_id}/prediagnostics", response_model=list[PrediagnosticListItem]
)
def list_prediagnostics(
    beneficiary_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> list[dict[str, Any]]:
    beneficiary = visible_beneficiary(session, beneficiary_id, account)
    rows = session.scalars(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id == beneficiary.id)
        .order_by(Prediagnostic.id.desc())
    )
    return [
        {
            "id": p.id,
            "status": p.status,
            "channel": p.channel,
            "created_at": p.created_at.isoformat(),
            "submitted_at": p.submitted_at.isoformat() if p.submitted_at else None,
        }
        for p in rows
    ]


@staff_router.get("/questionnaire/preview", response_model=list[QuestionPreview])
def preview(account: Account = Coordinators) -> list[dict[str, Any]]:
    """Every question as SMS (text, encoding, segments) and as Telegram (text, buttons)."""
    try:
        return questionnaire_preview()
    except QuestionnaireError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
