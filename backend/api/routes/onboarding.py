"""Bringing people in: importing a structure's list, inviting them, triaging unknown numbers.

A referent's or an admin's bearer token; everything stays within the account's structure.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from backend.api.deps import SessionDep, require_role
from backend.api.schemas.onboarding import (
    Created,
    ImportCounts,
    InvitationRow,
    InvitationsQueued,
    Linked,
    PendingPerson,
)
from backend.core.db import session_scope
from backend.core.safe_input import PathId, RowId
from backend.models import Account, Role
from backend.services import imports, invitations, triage

router = APIRouter(tags=["onboarding"])

StaffWithCases = Depends(require_role(Role.referent, Role.admin))
CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}


@router.post(
    "/beneficiaries/import",
    response_model=ImportCounts,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_beneficiaries(
    request: Request, dry_run: bool = False, account: Account = StaffWithCases
) -> dict[str, Any]:
    """CSV (UTF-8 or Windows-1252, ``;`` or ``,``) with the columns
    ``nom;prenom;date_naissance;telephone;numero_allocataire`` (``email`` and
    ``referent_email`` optional). Line numbers count the header as line 1. ``dry_run``
    answers the same counts without writing anything."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the file as text/csv")
    body = await request.body()
    try:
        # The body had to be awaited; the import itself is blocking work, kept off the loop.
        _plan, counts = await run_in_threadpool(_import, account.id, body, dry_run)
    except imports.FileRejected as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    except IntegrityError as exc:  # another import created some of these people meanwhile
        raise HTTPException(
            status.HTTP_409_CONFLICT, "another import changed these people: send the file again"
        ) from exc
    return counts


def _import(account_id: int, body: bytes, dry_run: bool) -> tuple[Any, dict[str, Any]]:
    """The import in its own session, in a worker thread (nothing blocking on the loop)."""
    with session_scope() as session:
        importer = session.get(Account, account_id)
        assert importer is not None
        return imports.import_csv(session, importer, body, dry_run=dry_run)


class InvitationsIn(BaseModel):
    beneficiary_ids: list[RowId] | None = Field(default=None, max_length=5000)
    relaunch: bool = False


@router.post("/invitations", status_code=status.HTTP_202_ACCEPTED, response_model=InvitationsQueued)
def create_invitations(
    body: InvitationsIn, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    """Queue one invitation per person (sent inside QUIET_HOURS, reminded after
    INVITATION_REMINDER_DAYS without an answer). Without ``beneficiary_ids``: every person of
    the structure not yet invited. ``relaunch`` replaces an unanswered invitation."""
    result = invitations.invite(session, account, body.beneficiary_ids, relaunch=body.relaunch)
    return result.as_json()


@router.get("/invitations", response_model=list[InvitationRow])
def list_invitations(session: SessionDep, account: Account = StaffWithCases) -> list[dict]:
    return [
        {
            "id": row.invitation.id,
            "beneficiary_id": row.beneficiary.id,
            "channel": row.contact.channel,
            "status": row.invitation.status,
            "invited_at": row.invitation.created_at.isoformat(),
            "sent_at": row.invitation.sent_at.isoformat() if row.invitation.sent_at else None,
            "messages_sent": row.invitation.steps_sent,
            "delivery": row.delivery,
            "delivered": row.delivered,
            "answered_at": (
                row.invitation.answered_at.isoformat() if row.invitation.answered_at else None
            ),
            "started": row.started,
            "completed": row.completed,
            "invitations": row.count,
        }
        for row in invitations.invitation_rows(session, account.structure_id)
    ]


@router.get("/triage", response_model=list[PendingPerson])
def list_pending(session: SessionDep, account: Account = StaffWithCases) -> list[dict]:
    """People pending identification: their contact, first message, pre-diagnostic, requests."""
    return [row.as_json() for row in triage.pending_rows(session)]


class LinkIn(BaseModel):
    beneficiary_id: RowId


class CreateIn(BaseModel):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    birth_date: date | None = None
    numero_allocataire: str | None = Field(default=None, max_length=30)


def _triage_error(exc: triage.TriageError) -> HTTPException:
    return HTTPException(exc.status, exc.reason)


@router.post("/triage/{pending_id}/link", response_model=Linked)
def link_pending(
    pending_id: PathId, body: LinkIn, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    """Move the unknown number (contact, messages, pre-diagnostic, requests) onto a person."""
    try:
        moved = triage.link(session, pending_id, body.beneficiary_id, account)
    except triage.TriageError as exc:
        raise _triage_error(exc) from exc
    return {"beneficiary_id": body.beneficiary_id, "moved": moved}


@router.post(
    "/triage/{pending_id}/create", status_code=status.HTTP_201_CREATED, response_model=Created
)
def create_from_pending(
    pending_id: PathId, body: CreateIn, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    try:
        person = triage.create(
            session,
            pending_id,
            account,
            first_name=body.first_name,
            last_name=body.last_name,
            birth_date=body.birth_date,
            caf_number=body.numero_allocataire,
        )
    except triage.TriageError as exc:
        raise _triage_error(exc) from exc
    return {"beneficiary_id": person.id, "structure_id": person.structure_id}
