"""The suggested parcours of a person, for a referent of their structure (never the person)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status

from backend.api.deps import SessionDep, require_role
from backend.api.schemas.orientation import OrientationOut
from backend.core.safe_input import PathId
from backend.models import Account, Role
from backend.services.access import visible_beneficiary
from backend.services.events import EventKind, record_event
from backend.services.orientation.rules import OrientationRulesError
from backend.services.orientation.store import as_api, ensure_suggestion, sent_prediagnostic

router = APIRouter(prefix="/beneficiaries", tags=["orientation"])

Referents = Depends(require_role(Role.referent))


@router.get("/{beneficiary_id}/orientation", response_model=OrientationOut)
def read_orientation(
    beneficiary_id: PathId, session: SessionDep, account: Account = Referents
) -> dict[str, Any]:
    """`{"parcours", "reasons", "rules_version", "status", "decision"}` for the latest sent
    pre-diagnostic; computed on first read. 404 when the person has sent none."""
    beneficiary = visible_beneficiary(session, beneficiary_id, account)
    prediag = sent_prediagnostic(session, beneficiary)
    if prediag is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "this person has not sent a pre-diagnostic yet"
        )
    try:
        suggestion = ensure_suggestion(session, prediag, beneficiary)
    except OrientationRulesError as exc:  # a coordinator's edit broke the file: say where
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    if suggestion is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "this pre-diagnostic was not filled with the questionnaire: no criteria to suggest from",
        )
    record_event(
        session,
        EventKind.audit_read,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"what": "orientation_api", "prediagnostic_id": prediag.id},
    )
    session.commit()
    return as_api(suggestion)
