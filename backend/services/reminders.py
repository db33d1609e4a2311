"""Appointment reminders through the persistent task queue.

One task per appointment, offset and appointment time (its ``dedupe_key``). ``schedule`` is
called whenever an appointment is created or changed; the task re-checks everything when it
runs (moved, cancelled, past, offset removed, outside quiet hours, already sent, stopped
contact), and the ``appointment_reminders`` unique row makes the sending exactly once even if
two workers or a retried task get there together.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.clock import now as clock_now
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.messages import text
from backend.models import (
    Account,
    AppointmentReminder,
    AppointmentStatus,
    AppSetting,
    Contact,
    ContactStatus,
    Task,
    TaskStatus,
)
from backend.models import Appointment as AppointmentModel
from backend.services import queue
from backend.services.appointment_text import describe
from backend.services.events import EventKind, record_event
from backend.services.outbox import queue_outbound
from channels.rendering import render

logger = logging.getLogger(__name__)

TASK_KIND = "appointment_reminder"
SETTINGS_KEY = "reminders"
MAX_OFFSET_HOURS = 24 * 14
CONFIRM_PAYLOAD = "/confirm_attendance"
CANNOT_ATTEND_PAYLOAD = "/cannot_attend"
BUTTONS = [
    {"title": text("button_confirm_attendance"), "payload": CONFIRM_PAYLOAD},
    {"title": text("button_cannot_attend"), "payload": CANNOT_ATTEND_PAYLOAD},
]


class InvalidReminderSettings(ValueError):
    pass


class NotNow(Exception):
    """Outside quiet hours at run time (a worker was late): the queue retries at ``retry_in``."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"outside quiet hours, retry in {retry_in:.0f} s")
        self.retry_in = retry_in


@dataclass(frozen=True)
class ReminderSettings:
    offsets_hours: tuple[int, ...]
    quiet_start: time  # first moment a reminder may go out, local time
    quiet_end: time  # last moment, local time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def as_json(self) -> dict[str, Any]:
        return {
            "offsets_hours": list(self.offsets_hours),
            "quiet_hours": {
                "start": self.quiet_start.strftime("%H:%M"),
                "end": self.quiet_end.strftime("%H:%M"),
            },
            "timezone": self.timezone,
        }

    def allows(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        return self.quiet_start <= local <= self.quiet_end

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)

    def latest_allowed(self, moment: datetime) -> datetime:
        """``moment`` if sending is allowed then, else the end of the previous window: a
        shifted reminder comes earlier, never later, so the notice is at least the offset."""
        if self.allows(moment):
            return moment
        local = moment.astimezone(self.zone)
        if local.time() > self.quiet_end:
            return self._at(local.date(), self.quiet_end)
        return self._at(local.date() - timedelta(days=1), self.quiet_end)

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` if sending is allowed then, else the start of the next window."""
        if self.allows(moment):
            return moment
        local = moment.astimezone(self.zone)
        if local.time() < self.quiet_start:
            return self._at(local.date(), self.quiet_start)
        return self._at(local.date() + timedelta(days=1), self.quiet_start)


def parse_offsets(raw: str | list[Any]) -> tuple[int, ...]:
    items = raw if isinstance(raw, list) else [p for p in re.split(r"[,\s]+", raw) if p]
    try:
        offsets = sorted({int(item) for item in items}, reverse=True)
    except (TypeError, ValueError) as exc:
        raise InvalidReminderSettings("offsets must be whole numbers of hours") from exc
    if not offsets:
        raise InvalidReminderSettings("give at least one offset")
    if any(o < 1 or o > MAX_OFFSET_HOURS for o in offsets):
        raise InvalidReminderSettings(f"offsets must be between 1 and {MAX_OFFSET_HOURS} hours")
    return tuple(offsets)


def parse_clock(raw: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2})[:hH](\d{2})?\s*", raw or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise InvalidReminderSettings(f"not a time of day: {raw!r} (use 08:00)")
    return time(int(match.group(1)), int(match.group(2) or 0))


def parse_quiet_hours(raw: str) -> tuple[time, time]:
    parts = (raw or "").split("-")
    if len(parts) != 2:
        raise InvalidReminderSettings(f"quiet hours look like 08:00-20:00, not {raw!r}")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start >= end:
        raise InvalidReminderSettings("quiet hours must start before they end")
    return start, end


def default_settings() -> ReminderSettings:
    env = get_settings()
    start, end = parse_quiet_hours(env.quiet_hours)
    return ReminderSettings(parse_offsets(env.reminder_offsets_hours), start, end, env.timezone)


def load_settings(session: Session) -> ReminderSettings:
    """Coordinator overrides (table ``app_settings``) over the environment defaults."""
    defaults = default_settings()
    row = session.get(AppSetting, SETTINGS_KEY)
    if row is None:
        return defaults
    value = row.value or {}
    try:
        offsets = parse_offsets(value.get("offsets_hours", list(defaults.offsets_hours)))
        start = parse_clock(value["quiet_start"]) if "quiet_start" in value else None
        end = parse_clock(value["quiet_end"]) if "quiet_end" in value else None
    except InvalidReminderSettings:
        logger.error("stored reminder settings are invalid, using defaults: %s", value)
        return defaults
    return ReminderSettings(
        offsets, start or defaults.quiet_start, end or defaults.quiet_end, defaults.timezone
    )


def save_settings(
    session: Session,
    *,
    offsets_hours: list[int],
    quiet_start: str,
    quiet_end: str,
    account: Account | None,
    now: datetime | None = None,
) -> ReminderSettings:
    """Validate, store, log, and move every upcoming appointment's reminders accordingly."""
    offsets = parse_offsets(offsets_hours)
    start, end = parse_quiet_hours(f"{quiet_start}-{quiet_end}")
    value = {
        "offsets_hours": list(offsets),
        "quiet_start": start.strftime("%H:%M"),
        "quiet_end": end.strftime("%H:%M"),
    }
    row = session.get(AppSetting, SETTINGS_KEY)
    before = dict(row.value) if row else None
    if row is None:
        row = AppSetting(key=SETTINGS_KEY, value=value)
        session.add(row)
    else:
        row.value = value
    row.updated_by_id = account.id if account else None
    record_event(
        session,
        EventKind.reminder_settings_changed,
        account_id=account.id if account else None,
        data={"before": before, "after": value},
    )
    session.flush()
    reschedule_upcoming(session, now=now)
    return load_settings(session)


def _upcoming(appointment: AppointmentModel, now: datetime) -> bool:
    return appointment.status == AppointmentStatus.unknown and appointment.starts_at > now


def dedupe_key(appointment_id: int, offset_hours: int, starts_at: datetime) -> str:
    return f"reminder:{appointment_id}:{offset_hours}h:{int(starts_at.timestamp())}"


def plan(
    appointment: AppointmentModel, settings: ReminderSettings, now: datetime
) -> list[tuple[int, datetime]]:
    """(offset, send time) pairs. Offsets already past collapse into one catch-up reminder,
    sent at the next allowed moment if that is still before the appointment."""
    if not _upcoming(appointment, now):
        return []
    planned: list[tuple[int, datetime]] = []
    missed: list[int] = []
    for offset in settings.offsets_hours:
        send_at = settings.latest_allowed(appointment.starts_at - timedelta(hours=offset))
        if send_at > now:
            planned.append((offset, send_at))
        else:
            missed.append(offset)
    if missed:
        catch_up = settings.next_allowed(now)
        if catch_up < appointment.starts_at:
            planned.append((min(missed), catch_up))
    return planned


def schedule(session: Session, appointment: AppointmentModel, now: datetime | None = None) -> int:
    """Queue (or move) this appointment's reminders; returns how many are pending."""
    now = now or clock_now()
    settings = load_settings(session)
    pending = 0
    for offset, send_at in plan(appointment, settings, now):
        key = dedupe_key(appointment.id, offset, appointment.starts_at)
        payload = {
            "appointment_id": appointment.id,
            "offset_hours": offset,
            "starts_at": appointment.starts_at.astimezone(UTC).isoformat(),
        }
        task = session.scalar(select(Task).where(Task.dedupe_key == key))
        if task is None:
            queue.enqueue(
                session, TASK_KIND, payload, run_at=send_at, dedupe_key=key, max_attempts=10
            )
            pending += 1
        elif task.status == TaskStatus.pending:
            task.run_at = send_at  # quiet hours or offsets changed
            pending += 1
        elif task.status in ("done", "failed") and not _sent(session, appointment, offset):
            # Dropped earlier (cancelled then restored, moved then moved back): queue it again.
            task.status, task.attempts, task.run_at = TaskStatus.pending, 0, send_at
            task.finished_at = task.last_error = None
            pending += 1
    session.flush()
    return pending


def reschedule_upcoming(session: Session, now: datetime | None = None) -> int:
    now = now or clock_now()
    upcoming = session.scalars(
        select(AppointmentModel).where(
            AppointmentModel.status == AppointmentStatus.unknown, AppointmentModel.starts_at > now
        )
    ).all()
    return sum(schedule(session, appointment, now) for appointment in upcoming)


def _sent(session: Session, appointment: AppointmentModel, offset: int) -> bool:
    return (
        session.scalar(
            select(AppointmentReminder.id).where(
                AppointmentReminder.appointment_id == appointment.id,
                AppointmentReminder.offset_hours == offset,
                AppointmentReminder.starts_at == appointment.starts_at,
            )
        )
        is not None
    )


def reminder_contact(session: Session, beneficiary_id: int) -> Contact | None:
    """Where to remind: an active, verified contact; the one the person last wrote from first.
    A stopped contact never gets a reminder; an unverified one never sees appointment details."""
    contacts = session.scalars(
        select(Contact).where(
            Contact.beneficiary_id == beneficiary_id,
            Contact.status == ContactStatus.active,
            Contact.verified.is_(True),
            Contact.channel != "web",
        )
    ).all()
    if not contacts:
        return None
    epoch = datetime.min.replace(tzinfo=UTC)
    return max(contacts, key=lambda c: (c.last_inbound_at or epoch, c.channel == "sms", -c.id))


def reminder_text(appointment: AppointmentModel) -> str:
    # Not asked for: no address in it (backend/services/privacy.py).
    return text("appointment_reminder", appointment=describe(appointment, address=False)["text"])


def send_due(payload: dict[str, Any]) -> str:
    """The task handler. Returns what happened (for logs and tests)."""
    now = clock_now()
    appointment_id = int(payload["appointment_id"])
    offset = int(payload["offset_hours"])
    starts_at = datetime.fromisoformat(payload["starts_at"])
    with session_scope() as session:
        appointment = session.get(AppointmentModel, appointment_id)
        if appointment is None or not _upcoming(appointment, now):
            return "dropped: cancelled, over or deleted"
        if appointment.starts_at != starts_at:
            return "dropped: the appointment moved (its new reminder has its own task)"
        settings = load_settings(session)
        if offset not in settings.offsets_hours:
            return "dropped: offset no longer configured"
        if not settings.allows(now):
            raise NotNow((settings.next_allowed(now) - now).total_seconds())
        if _sent(session, appointment, offset):
            return "already sent"
        contact = reminder_contact(session, appointment.beneficiary_id)
        if contact is None:
            record_event(
                session,
                EventKind.reminder_not_sent,
                beneficiary_id=appointment.beneficiary_id,
                data={
                    "appointment_id": appointment.id,
                    "offset_hours": offset,
                    "reason": "no active verified contact",
                },
            )
            return "not sent: no active verified contact"
        reminder = AppointmentReminder(
            appointment_id=appointment.id,
            offset_hours=offset,
            starts_at=appointment.starts_at,
            contact_id=contact.id,
        )
        try:
            with session.begin_nested():
                session.add(reminder)
        except IntegrityError:  # another worker sent it a moment ago
            return "already sent"
        rendered = render(
            [{"text": reminder_text(appointment), "buttons": BUTTONS}], contact.channel
        )
        message = queue_outbound(session, contact, rendered[0], kind="reminder")
        reminder.message_id = message.id
        record_event(
            session,
            EventKind.reminder_sent,
            beneficiary_id=appointment.beneficiary_id,
            contact_id=contact.id,
            message_id=message.id,
            data={"appointment_id": appointment.id, "offset_hours": offset},
        )
        return "sent"
