"""What the action server may ask of the backend (authenticated by BOT_API_TOKEN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import SessionDep, require_bot
from backend.core.safe_input import PathId, RowId
from backend.models import Contact, Event, Message, Prediagnostic, SituationUpdate

router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_bot)])


def get_contact(session: SessionDep, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown contact")
    return contact


def check_message(session: SessionDep, contact: Contact, message_id: int | None) -> int | None:
    """The message an action cites (``message_id``) must be one of this contact's: an
    unknown id would break a foreign key, another contact's would mislead the referent."""
    if message_id is None:
        return None
    message = session.get(Message, message_id)
    if message is None or message.contact_id != contact.id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "message_id is not a message of this contact"
        )
    return message_id


@router.get("/contacts/{contact_id}")
def conversation_context(contact_id: PathId, session: SessionDep) -> dict[str, Any]:
    """Who is writing. Only a first name leaves the backend: actions need no more to greet."""
    contact = get_contact(session, contact_id)
    beneficiary = contact.beneficiary
    return {
        "contact": {
            "id": contact.id,
            "channel": contact.channel,
            "status": contact.status,
            "verified": contact.verified,
        },
        "beneficiary": (
            {"id": beneficiary.id, "first_name": beneficiary.first_name} if beneficiary else None
        ),
    }


class EventIn(BaseModel):
    kind: str = Field(min_length=1, max_length=50, pattern=r"^[a-z_][a-z0-9_.]*$")
    data: dict[str, Any] = Field(default_factory=dict)
    message_id: RowId | None = None


@router.post("/contacts/{contact_id}/events", status_code=status.HTTP_201_CREATED)
def record_event(contact_id: PathId, body: EventIn, session: SessionDep) -> dict[str, int]:
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    event = Event(
        kind=body.kind,
        contact_id=contact.id,
        beneficiary_id=contact.beneficiary_id,
        message_id=body.message_id,
        data=body.data,
    )
    session.add(event)
    session.flush()
    return {"id": event.id}


class DeletionIn(BaseModel):
    message_id: RowId | None = None


@router.post("/contacts/{contact_id}/data-deletion", status_code=status.HTTP_201_CREATED)
def request_data_deletion(
    contact_id: PathId, body: DeletionIn, session: SessionDep
) -> dict[str, Any]:
    """The person asks us to erase their data. Declarations are never deleted by the bot: the
    request lands in the referent's inbox (the structure is the data controller), and any
    questionnaire in progress stops."""
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    beneficiary = contact.beneficiary
    session.add(
        SituationUpdate(
            beneficiary_id=contact.beneficiary_id,
            contact_id=contact.id,
            kind="data_deletion",
            data={"scope": "all"},
            source_message_id=body.message_id,
        )
    )
    in_progress = []
    if beneficiary is not None:
        in_progress = session.scalars(
            select(Prediagnostic).where(
                Prediagnostic.beneficiary_id == beneficiary.id,
                Prediagnostic.status == "in_progress",
            )
        ).all()
        for prediagnostic in in_progress:
            prediagnostic.status = "abandoned"
    session.add(
        Event(
            kind="data_deletion_requested",
            contact_id=contact.id,
            beneficiary_id=contact.beneficiary_id,
            message_id=body.message_id,
            data={"abandoned_prediagnostics": [p.id for p in in_progress]},
        )
    )
    session.commit()
    referent = beneficiary.referent.full_name if beneficiary and beneficiary.referent else None
    return {"referent": referent}
