"""Beneficiaries, their conversation and their Telegram link."""

from __future__ import annotations

from pydantic import BaseModel

from backend.models import ChannelName, Identification, MessageDirection, MessageStatus

from .common import ContactOut


class BeneficiaryOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    identification: Identification
    structure_id: int | None
    referent_id: int | None
    contacts: list[ContactOut]


class MessageOut(BaseModel):
    id: int
    direction: MessageDirection
    channel: ChannelName
    text: str | None
    status: MessageStatus
    segments: int | None
    encoding: str | None
    simulated: bool
    created_at: str


class TelegramLinkOut(BaseModel):
    url: str  # https://t.me/<bot>?start=<token>, single use
    expires_at: str
