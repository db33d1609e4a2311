"""How a person reads an appointment: when, where, with whom, in plain French on one line.

Used by the appointment service, its reminders and the bot API alike (no database access).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.core.config import get_settings
from backend.messages import text
from backend.models import Appointment

from .privacy import short_name

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def when_text(starts_at: datetime) -> str:
    """'mardi 3/12 à 14h30' (or 'à 9h' on the hour), in local time."""
    local = starts_at.astimezone(local_zone())
    hour = f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"
    return f"{DAYS[local.weekday()]} {local.day}/{local.month} à {hour}"


def where_text(appointment: Appointment, address: bool = True) -> str:
    """Where the appointment is; without ``address`` (a reminder the person did not ask for),
    the structure's name only: the address comes when they ask ("c'est où mon RDV ?")."""
    if appointment.mode == "phone":
        return text("appointment_by_phone")
    if appointment.mode == "video":
        return text("appointment_by_video")
    if appointment.mode == "home":
        return text("appointment_at_home")
    structure = appointment.structure
    if not address:
        return structure.name if structure is not None else text("appointment_place_ask")
    place = (appointment.place or "").strip()
    if structure is not None and appointment.external_source is None:
        # Our own appointments store the address only: name the structure too.
        if not place:
            place = structure.address or ""
        if structure.name.casefold() not in place.casefold():
            place = f"{structure.name}, {place}" if place else structure.name
    return place or text("appointment_place_unknown")


def describe(appointment: Appointment, address: bool = True) -> dict[str, Any]:
    """What a person reads about one appointment (plain French, one line): a first name and
    an initial for whom they meet (backend/services/privacy.py)."""
    when = when_text(appointment.starts_at)
    where = where_text(appointment, address)
    with_whom = short_name(appointment.with_whom) or ""
    line = f"{when}, {where}"
    if with_whom:
        line += f", avec {with_whom}"
    return {
        "id": appointment.id,
        "when": when,
        "where": where,
        "with_whom": with_whom or None,
        "mode": appointment.mode,
        "starts_at": appointment.starts_at.astimezone(UTC).isoformat(),
        "confirmed": appointment.confirmed_at is not None,
        "text": line,
    }
