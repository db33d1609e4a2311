"""Pieces shared by several resources."""

from __future__ import annotations

from pydantic import BaseModel

from backend.models import ChannelName, ContactStatus


class ContactOut(BaseModel):
    id: int
    channel: ChannelName
    address: str
    status: ContactStatus


class AppointmentText(BaseModel):
    """What a person reads about one appointment (``services.appointments.describe``)."""

    id: int
    when: str
    where: str
    with_whom: str | None
    mode: str
    starts_at: str
    confirmed: bool
    text: str
