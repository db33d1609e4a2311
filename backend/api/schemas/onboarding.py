"""Importing a structure's list, inviting people, triaging unknown numbers."""

from __future__ import annotations

from pydantic import BaseModel

from backend.models import (
    ChannelName,
    InvitationStatus,
    MessageStatus,
    PrediagnosticStatus,
    RequestKind,
    RequestStatus,
)

from .common import ContactOut


class RejectedLine(BaseModel):
    line: int  # the header is line 1
    reason: str


class ImportCounts(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedLine]


class SkippedPerson(BaseModel):
    beneficiary_id: int
    reason: str
    label: str  # the reason in French


class InvitationsQueued(BaseModel):
    invited: int
    invitation_ids: list[int]
    skipped: list[SkippedPerson]


class InvitationRow(BaseModel):
    id: int
    beneficiary_id: int
    channel: ChannelName
    status: InvitationStatus
    invited_at: str
    sent_at: str | None
    messages_sent: int
    delivery: MessageStatus | None  # status of the last message sent
    delivered: bool
    answered_at: str | None
    started: bool
    completed: bool
    invitations: int


class PendingPrediagnostic(BaseModel):
    id: int
    status: PrediagnosticStatus


class PendingRequest(BaseModel):
    id: int
    kind: RequestKind
    preferred_time: str | None
    reason: str | None
    status: RequestStatus
    created_at: str | None


class PendingPerson(BaseModel):
    id: int
    contacts: list[ContactOut]
    first_message_at: str | None
    last_message_at: str | None
    prediagnostic: PendingPrediagnostic | None
    requests: list[PendingRequest]


class Linked(BaseModel):
    beneficiary_id: int
    moved: dict[str, int]  # rows moved, per table


class Created(BaseModel):
    beneficiary_id: int
    structure_id: int | None
