"""Beneficiaries and their conversations, as a referent of their structure sees them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from backend.api.deps import SessionDep, require_role
from backend.api.schemas.beneficiaries import BeneficiaryOut, MessageOut
from backend.core.safe_input import PathId
from backend.models import Account, Beneficiary, Contact, Message, Role
from backend.services.access import visible_beneficiary

router = APIRouter(prefix="/beneficiaries", tags=["beneficiaries"])

StaffWithCases = Depends(require_role(Role.referent, Role.admin))


def summary(beneficiary: Beneficiary) -> dict[str, Any]:
    return {
        "id": beneficiary.id,
        "first_name": beneficiary.first_name,
        "last_name": beneficiary.last_name,
        "identification": beneficiary.identification,
        "structure_id": beneficiary.structure_id,
        "referent_id": beneficiary.referent_id,
        "contacts": [
            {"id": c.id, "channel": c.channel, "address": c.address, "status": c.status}
            for c in beneficiary.contacts
        ],
    }


@router.get("", response_model=list[BeneficiaryOut])
def list_beneficiaries(session: SessionDep, account: Account = StaffWithCases) -> list[dict]:
    query = select(Beneficiary).where(Beneficiary.structure_id == account.structure_id)
    return [summary(b) for b in session.scalars(query.order_by(Beneficiary.id))]


@router.get("/{beneficiary_id}", response_model=BeneficiaryOut)
def read_beneficiary(
    beneficiary_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    return summary(visible_beneficiary(session, beneficiary_id, account))


@router.get("/{beneficiary_id}/messages", response_model=list[MessageOut])
def conversation(
    beneficiary_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> list[dict[str, Any]]:
    beneficiary = visible_beneficiary(session, beneficiary_id, account)
    query = (
        select(Message)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Contact.beneficiary_id == beneficiary.id)
        .order_by(Message.id)
    )
    return [
        {
            "id": m.id,
            "direction": m.direction,
            "channel": m.channel,
            "text": m.text,
            "status": m.status,
            "segments": m.segments,
            "encoding": m.encoding,
            "simulated": m.simulated,
            "created_at": m.created_at.isoformat(),
        }
        for m in session.scalars(query)
    ]
