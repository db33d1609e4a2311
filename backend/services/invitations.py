"""Invitations to the pre-diagnostic, sent through the persistent task queue.

One task per invitation step (1: the invitation, 2, 3...: reminders after
``INVITATION_REMINDER_DAYS``), deduplicated on ``invitation:<id>:<step>``. Like appointment
reminders (services/reminders.py, whose quiet hours are reused), the task re-checks everything
when it runs: answered, started, stopped, replaced, outside quiet hours (then retried at the
next allowed moment). A conditional UPDATE on ``steps_sent`` makes each step go out once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, selectinload

from backend.core.clock import now as clock_now
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.messages import text
from backend.models import (
    Account,
    Beneficiary,
    Contact,
    ContactStatus,
    Identification,
    Invitation,
    InvitationStatus,
    Message,
    MessageDirection,
    Prediagnostic,
    PrediagnosticStatus,
    Structure,
    Task,
)
from backend.services import queue, reminders
from backend.services.events import EventKind, record_event
from backend.services.outbox import queue_outbound
from channels.gsm7 import fold_to_gsm7, segment_count
from channels.rendering import render

logger = logging.getLogger(__name__)

TASK_KIND = "invitation_send"
INVITABLE_CHANNELS = ("sms", "whatsapp", "telegram")
MAX_STRUCTURE_NAME = 60
MAX_SEGMENTS = 2
DONE_PREDIAGNOSTIC = (PrediagnosticStatus.submitted, PrediagnosticStatus.validated)

# Short, plain, GSM-7 (é, è, à are in the alphabet), at most 2 SMS with any structure name:
# backend/messages.yml, "invitation" and "invitation_reminder".


class InvalidInvitationSettings(ValueError):
    pass


def reminder_days(raw: str | None = None) -> tuple[int, ...]:
    """Days after the invitation when an unanswered person is reminded, ascending."""
    raw = get_settings().invitation_reminder_days if raw is None else raw
    parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        days = sorted({int(p) for p in parts})
    except ValueError as exc:
        raise InvalidInvitationSettings(
            f"INVITATION_REMINDER_DAYS must be whole days, not {raw!r}"
        ) from exc
    if any(d < 1 or d > 60 for d in days):
        raise InvalidInvitationSettings("INVITATION_REMINDER_DAYS must be between 1 and 60")
    return tuple(days)


def structure_label(structure: Structure | None) -> str:
    name = fold_to_gsm7(" ".join((structure.name if structure else "").split()))
    if len(name) > MAX_STRUCTURE_NAME:
        name = name[:MAX_STRUCTURE_NAME].rsplit(" ", 1)[0]
    return name or text("invitation_default_structure")


def invitation_text(structure: Structure | None, step: int) -> str:
    name = structure_label(structure)
    if step == 1:
        sms = fold_to_gsm7(text("invitation", structure=name))
    else:
        sms = fold_to_gsm7(text("invitation_reminder", structure=name))
    assert segment_count(sms) <= MAX_SEGMENTS, "invitation text longer than 2 SMS"
    return sms


def invitation_contact(contacts: list[Contact]) -> Contact | None:
    """Where to invite: an active contact on a messaging channel; the one the person last wrote
    from first (WhatsApp or Telegram when that is how they talk to us), else SMS."""
    usable = [c for c in contacts if c.channel in INVITABLE_CHANNELS]
    if not usable:
        return None
    epoch = datetime.min.replace(tzinfo=UTC)
    return max(
        usable,
        key=lambda c: (
            c.status == ContactStatus.active,
            c.last_inbound_at or epoch,
            c.verified,
            c.channel == "sms",
            -c.id,
        ),
    )


@dataclass
class InviteResult:
    invited: list[int] = field(default_factory=list)  # invitation ids
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"invited": len(self.invited), "invitation_ids": self.invited,
                "skipped": self.skipped}  # fmt: skip


SKIP_REASONS = {
    "unknown": "personne inconnue",
    "other_structure": "suivie par une autre structure",
    "pending_identification": "personne à identifier",
    "no_contact": "aucun numéro",
    "opted_out": "a demandé à ne plus recevoir de messages (STOP)",
    "already_invited": "déjà invitée, sans réponse pour l'instant",
    "already_completed": "pré-diagnostic déjà envoyé",
}


def _skip(result: InviteResult, beneficiary_id: int, reason: str) -> None:
    result.skipped.append(
        {"beneficiary_id": beneficiary_id, "reason": reason, "label": SKIP_REASONS[reason]}
    )


def not_yet_invited(session: Session, structure_id: int) -> list[int]:
    invited = select(Invitation.beneficiary_id)
    return list(
        session.scalars(
            select(Beneficiary.id)
            .where(
                Beneficiary.structure_id == structure_id,
                Beneficiary.identification == Identification.identified,
                Beneficiary.id.not_in(invited),
            )
            .order_by(Beneficiary.id)
        )
    )


def _chunks(values: list[int], size: int = 500) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def invite(
    session: Session,
    account: Account,
    beneficiary_ids: list[int] | None = None,
    *,
    relaunch: bool = False,
    now: datetime | None = None,
) -> InviteResult:
    """Queue one invitation per person (every person of the structure not yet invited when no
    ids are given). ``relaunch`` replaces an open invitation with a new one, sent now.

    A few queries for the whole list, not several per person: a structure invites its
    whole list at once."""
    now = now or clock_now()
    if beneficiary_ids is None:
        ids = not_yet_invited(session, account.structure_id)
    else:
        ids = list(dict.fromkeys(beneficiary_ids))
    first_at = reminders.load_settings(session).next_allowed(now)
    people: dict[int, Beneficiary] = {}
    done: set[int] = set()
    open_by: dict[int, list[Invitation]] = {}
    for chunk in _chunks(ids):
        people.update(
            (b.id, b)
            for b in session.scalars(
                select(Beneficiary)
                .where(Beneficiary.id.in_(chunk))
                .options(selectinload(Beneficiary.contacts))
            )
        )
        done.update(
            session.scalars(
                select(Prediagnostic.beneficiary_id).where(
                    Prediagnostic.beneficiary_id.in_(chunk),
                    Prediagnostic.status.in_(DONE_PREDIAGNOSTIC),
                )
            )
        )
        for invitation in session.scalars(
            select(Invitation).where(
                Invitation.beneficiary_id.in_(chunk), Invitation.status == InvitationStatus.open
            )
        ):
            open_by.setdefault(invitation.beneficiary_id, []).append(invitation)
    result = InviteResult()
    new: list[tuple[Invitation, Contact, bool]] = []
    for beneficiary_id in ids:
        beneficiary = people.get(beneficiary_id)
        contact = invitation_contact(list(beneficiary.contacts)) if beneficiary else None
        open_ones = open_by.get(beneficiary_id, [])
        if beneficiary is None:
            reason = "unknown"
        elif beneficiary.structure_id != account.structure_id:
            reason = "other_structure"
        elif beneficiary.identification != Identification.identified:
            reason = "pending_identification"
        elif beneficiary_id in done:
            reason = "already_completed"
        elif contact is None:
            reason = "no_contact"
        elif contact.status == ContactStatus.stopped:
            reason = "opted_out"
        elif open_ones and not relaunch:
            reason = "already_invited"
        else:
            reason = ""
        if reason or contact is None or beneficiary is None:
            _skip(result, beneficiary_id, reason or "unknown")
            continue
        for old in open_ones:
            old.status, old.closed_reason = InvitationStatus.replaced, "relaunched"
        invitation = Invitation(
            beneficiary_id=beneficiary_id,
            contact_id=contact.id,
            structure_id=beneficiary.structure_id,
            created_by_id=account.id,
        )
        session.add(invitation)
        new.append((invitation, contact, bool(open_ones)))
    session.flush()
    for invitation, contact, relaunched in new:
        # A new invitation's first step cannot be queued yet: no dedupe lookup needed.
        session.add(
            Task(
                kind=TASK_KIND,
                payload={"invitation_id": invitation.id, "step": 1},
                run_at=first_at,
                dedupe_key=_dedupe_key(invitation.id, 1),
                max_attempts=10,
            )
        )
        record_event(
            session,
            EventKind.invitation_relaunched if relaunched else EventKind.invitation_created,
            beneficiary_id=invitation.beneficiary_id,
            contact_id=contact.id,
            account_id=account.id,
            data={"invitation_id": invitation.id, "channel": contact.channel},
        )
        result.invited.append(invitation.id)
    session.flush()
    return result


def _dedupe_key(invitation_id: int, step: int) -> str:
    return f"invitation:{invitation_id}:{step}"


def _schedule(session: Session, invitation: Invitation, step: int, at: datetime) -> None:
    queue.enqueue(
        session,
        TASK_KIND,
        {"invitation_id": invitation.id, "step": step},
        run_at=at,
        dedupe_key=_dedupe_key(invitation.id, step),
        max_attempts=10,
    )


CLOSED_EVENTS = {
    InvitationStatus.answered: EventKind.invitation_answered,
    InvitationStatus.stopped: EventKind.invitation_stopped,
    InvitationStatus.failed: EventKind.invitation_failed,
}


def _close(session: Session, invitation: Invitation, status: InvitationStatus, reason: str) -> None:
    invitation.status, invitation.closed_reason = status, reason
    if status == InvitationStatus.answered and invitation.answered_at is None:
        invitation.answered_at = clock_now()
    record_event(
        session,
        CLOSED_EVENTS[status],
        beneficiary_id=invitation.beneficiary_id,
        contact_id=invitation.contact_id,
        data={"invitation_id": invitation.id, "reason": reason},
    )


def _wrote_back(session: Session, invitation: Invitation) -> bool:
    """Any message from the person (any of their contacts) since the invitation was made."""
    return (
        session.scalar(
            select(Message.id)
            .join(Contact, Contact.id == Message.contact_id)
            .where(
                Contact.beneficiary_id == invitation.beneficiary_id,
                Message.direction == MessageDirection.inbound,
                Message.created_at >= invitation.created_at,
            )
            .limit(1)
        )
        is not None
    )


def _started(session: Session, beneficiary_id: int) -> bool:
    return (
        session.scalar(
            select(Prediagnostic.id).where(
                Prediagnostic.beneficiary_id == beneficiary_id,
                Prediagnostic.status != PrediagnosticStatus.abandoned,
            )
        )
        is not None
    )


def send_due(payload: dict[str, Any]) -> str:
    """The task handler. Returns what happened (for logs and tests)."""
    now = clock_now()
    invitation_id, step = int(payload["invitation_id"]), int(payload["step"])
    with session_scope() as session:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None:
            return "dropped: deleted"
        if invitation.status != InvitationStatus.open:
            return f"dropped: {invitation.status}"
        if invitation.steps_sent >= step:
            return "already sent"
        contact = session.get(Contact, invitation.contact_id)
        if contact is None or contact.beneficiary_id != invitation.beneficiary_id:
            _close(session, invitation, InvitationStatus.failed, "contact moved")
            return "dropped: the contact is no longer this person's"
        if contact.status == ContactStatus.stopped:
            _close(session, invitation, InvitationStatus.stopped, "opt_out")
            return "dropped: opted out"
        if _wrote_back(session, invitation):
            _close(session, invitation, InvitationStatus.answered, "wrote back")
            return "dropped: answered"
        if _started(session, invitation.beneficiary_id):
            _close(session, invitation, InvitationStatus.answered, "prediagnostic started")
            return "dropped: started"
        settings = reminders.load_settings(session)
        if not settings.allows(now):
            raise reminders.NotNow((settings.next_allowed(now) - now).total_seconds())
        # One conditional UPDATE: a retried task racing its first run cannot send twice.
        claimed = session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.status == InvitationStatus.open,
                Invitation.steps_sent == step - 1,
            )
            .values(steps_sent=step)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], claimed).rowcount != 1:
            return "already sent"
        session.refresh(invitation)
        structure = (
            session.get(Structure, invitation.structure_id) if invitation.structure_id else None
        )
        rendered = render([{"text": invitation_text(structure, step)}], contact.channel)
        kind = "invitation" if step == 1 else "invitation_reminder"
        message = queue_outbound(session, contact, rendered[0], kind=kind)
        invitation.last_message_id = message.id
        if step == 1:
            invitation.first_message_id = message.id
            invitation.sent_at = now
        record_event(
            session,
            EventKind.invitation_sent,
            beneficiary_id=invitation.beneficiary_id,
            contact_id=contact.id,
            message_id=message.id,
            data={"invitation_id": invitation.id, "step": step},
        )
        days = reminder_days()
        if step <= len(days):
            sent_at = invitation.sent_at or now
            due = sent_at + timedelta(days=days[step - 1])
            _schedule(session, invitation, step + 1, settings.next_allowed(due))
        return "sent"


def on_inbound(session: Session, contact: Contact) -> bool:
    """A message came from ``contact`` (not STOP/START: the gateway handles those first).

    Marks the person's open invitation answered, which stops its reminders, and returns True
    when there was one: this message should start the pre-diagnostic (the person is known, the
    invitation went to their number). Returns False otherwise.
    """
    if contact.beneficiary_id is None:
        return False
    open_ones = session.scalars(
        select(Invitation)
        .where(
            Invitation.beneficiary_id == contact.beneficiary_id,
            Invitation.status == InvitationStatus.open,
        )
        .order_by(Invitation.id)
    ).all()
    for invitation in open_ones:
        _close(session, invitation, InvitationStatus.answered, f"message on {contact.channel}")
    session.flush()
    return bool(open_ones)


# Staff views --------------------------------------------------------------------------------

DELIVERED = ("delivered", "read")


@dataclass
class InvitationRow:
    invitation: Invitation
    beneficiary: Beneficiary
    contact: Contact
    delivery: str | None  # status of the last message sent (queued, sent, delivered, failed...)
    delivered: bool
    started: bool
    completed: bool
    count: int  # invitations this person received in all (relaunches included)


def invitation_rows(session: Session, structure_id: int) -> list[InvitationRow]:
    """The latest invitation of each person of the structure, newest first."""
    invitations = session.scalars(
        select(Invitation)
        .where(Invitation.structure_id == structure_id)
        .options(selectinload(Invitation.beneficiary), selectinload(Invitation.contact))
        .order_by(Invitation.id)
    ).all()
    latest: dict[int, Invitation] = {}
    counts: dict[int, int] = {}
    for invitation in invitations:
        latest[invitation.beneficiary_id] = invitation
        counts[invitation.beneficiary_id] = counts.get(invitation.beneficiary_id, 0) + 1
    message_ids = [i.last_message_id for i in latest.values() if i.last_message_id]
    message_ids += [i.first_message_id for i in latest.values() if i.first_message_id]
    statuses: dict[int, str] = {
        message_id: status
        for message_id, status in session.execute(
            select(Message.id, Message.status).where(Message.id.in_(message_ids))
        )
    }
    prediagnostics: dict[int, set[str]] = {}
    for beneficiary_id, status in session.execute(
        select(Prediagnostic.beneficiary_id, Prediagnostic.status).where(
            Prediagnostic.beneficiary_id.in_(list(latest))
        )
    ):
        prediagnostics.setdefault(beneficiary_id, set()).add(status)
    rows = []
    for beneficiary_id, invitation in latest.items():
        done = prediagnostics.get(beneficiary_id, set())
        delivered = any(
            statuses.get(m, "") in DELIVERED
            for m in (invitation.first_message_id, invitation.last_message_id)
            if m is not None
        )
        rows.append(
            InvitationRow(
                invitation=invitation,
                beneficiary=invitation.beneficiary,
                contact=invitation.contact,
                delivery=statuses.get(invitation.last_message_id or 0),
                delivered=delivered,
                started=bool(done - {"abandoned"}),
                completed=bool(done & set(DONE_PREDIAGNOSTIC)),
                count=counts[beneficiary_id],
            )
        )
    return sorted(rows, key=lambda r: r.invitation.id, reverse=True)


@dataclass
class InvitationFunnel:
    invited: int = 0
    delivered: int = 0
    answered: int = 0
    started: int = 0
    completed: int = 0

    def steps(self) -> list[tuple[str, int]]:
        return [
            ("Invitées", self.invited),
            ("Invitation reçue", self.delivered),
            ("Ont répondu", self.answered),
            ("Pré-diagnostic commencé", self.started),
            ("Pré-diagnostic envoyé", self.completed),
        ]


def invitation_funnel(session: Session, since: datetime | None = None) -> InvitationFunnel:
    """People invited in the period (all structures), and how far each got."""
    query = select(Invitation)
    if since is not None:
        query = query.where(Invitation.created_at >= since)
    people: dict[int, list[Invitation]] = {}
    for invitation in session.scalars(query):
        people.setdefault(invitation.beneficiary_id, []).append(invitation)
    funnel = InvitationFunnel(invited=len(people))
    if not people:
        return funnel
    message_ids = [
        m
        for invitations in people.values()
        for i in invitations
        for m in (i.first_message_id, i.last_message_id)
        if m
    ]
    delivered = set(
        session.scalars(
            select(Message.id).where(Message.id.in_(message_ids), Message.status.in_(DELIVERED))
        )
    )
    statuses: dict[int, set[str]] = {}
    for beneficiary_id, status in session.execute(
        select(Prediagnostic.beneficiary_id, Prediagnostic.status).where(
            Prediagnostic.beneficiary_id.in_(list(people))
        )
    ):
        statuses.setdefault(beneficiary_id, set()).add(status)
    for beneficiary_id, invitations in people.items():
        done = statuses.get(beneficiary_id, set())
        started = bool(done - {"abandoned"})
        completed = bool(done & set(DONE_PREDIAGNOSTIC))
        answered = started or any(i.status == InvitationStatus.answered for i in invitations)
        funnel.delivered += answered or any(
            m in delivered for i in invitations for m in (i.first_message_id, i.last_message_id)
        )
        funnel.answered += answered
        funnel.started += started
        funnel.completed += completed
    return funnel
