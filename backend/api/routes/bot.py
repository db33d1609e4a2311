"""What the action server may ask of the backend (authenticated by BOT_API_TOKEN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from backend.api.deps import SessionDep, require_bot
from backend.api.schemas.bot import (
    ConsentWithdrawn,
    ConversationContext,
    Erased,
    EventRecorded,
    MyDataText,
)
from backend.core.safe_input import PathId, RowId
from backend.models import Contact, Event, Message
from backend.services import consent, erasure, my_data

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


@router.get("/contacts/{contact_id}", response_model=ConversationContext)
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


@router.post(
    "/contacts/{contact_id}/events",
    status_code=status.HTTP_201_CREATED,
    response_model=EventRecorded,
)
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


@router.post(
    "/contacts/{contact_id}/data-deletion",
    status_code=status.HTTP_201_CREATED,
    response_model=Erased,
)
def erase_data(contact_id: PathId, body: DeletionIn, session: SessionDep) -> dict[str, Any]:
    """The person confirmed they want their data erased: it is done now
    (backend/services/erasure.py), Rasa's conversation right after this turn; the referent's
    inbox shows it was done."""
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    result = erasure.erase_person(session, contact, body.message_id)
    session.commit()
    return {"erased": True, "kept_prediagnostic": result.kept_prediagnostics > 0}


@router.post(
    "/contacts/{contact_id}/consent-withdrawal",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentWithdrawn,
)
def withdraw_consent(contact_id: PathId, body: DeletionIn, session: SessionDep) -> dict[str, Any]:
    """ "Je ne veux plus", confirmed by the turn router: the questionnaire stops and the
    referent's inbox says so."""
    contact = get_contact(session, contact_id)
    check_message(session, contact, body.message_id)
    withdrawn = consent.withdraw(session, contact, body.message_id)
    session.commit()
    return {"withdrawn": withdrawn}


@router.get("/contacts/{contact_id}/my-data", response_model=MyDataText)
def my_data_summary(contact_id: PathId, session: SessionDep) -> dict[str, Any]:
    """What we know about the person, in one short message without sensitive detail."""
    contact = get_contact(session, contact_id)
    return {"text": my_data.summary_sms(session, contact)}
