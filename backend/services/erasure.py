"""The person's right to erasure (GDPR art. 17), asked by chat ("supprimez mes données").

What goes: every text of the person's messages (in and out: a reply may echo their words), their
answers, their unvalidated declarations, the texts of their requests and of the events about
them, and the conversation in Rasa's tracker store. What the structure must keep: a
pre-diagnostic validated by a referent (part of the parcours, without the typed words),
validated declarations, appointments, consents (the proof of what was agreed) and the audit
event of the erasure itself, which holds counts, never content. A person pending identification
(no parcours) keeps nothing they typed.

Rasa's conversation is deleted by a task that shares the contact's key: it runs after the
current turn, once Rasa has saved its tracker (deleting during the turn would be undone when
Rasa saves the events it holds in memory). Rasa 3.6's HTTP API cannot do it: replacing a
tracker's events only appends to the SQL tracker store.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from backend.core.config import get_settings
from backend.models import (
    Beneficiary,
    CallbackRequest,
    Contact,
    DeclarationStatus,
    Event,
    Identification,
    Message,
    MessageDirection,
    MessageStatus,
    OrientationSuggestion,
    Prediagnostic,
    PrediagnosticAnswer,
    PrediagnosticStatus,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
)
from backend.services import queue
from backend.services.events import EventKind, record_event
from channels.turns import contact_key

logger = logging.getLogger(__name__)

TRACKER_TASK = "erase_rasa_tracker"
AUDIT_KIND = EventKind.data_erased
INBOX_KIND = "data_erased"  # a situation update the referent sees as done, not to do
# Event and request data kept after erasure: identifiers and flags, never words.
SAFE_KEYS = {
    "prediagnostic_id",
    "question_key",
    "channel",
    "context",
    "kind",
    "status",
    "step",
    "invitation_id",
    "appointment_id",
    "offset_hours",
    "reason_code",
    "scope",
    "what",  # a staff read's object (export_json...)
    "intent",  # an intent's name, never the words
}
KEPT_STATUSES = {DeclarationStatus.validated.value, DeclarationStatus.corrected.value}


@dataclass
class Erasure:
    messages: int = 0
    answers: int = 0
    declarations: int = 0
    prediagnostics: int = 0
    events: int = 0
    requests: int = 0
    kept_prediagnostics: int = 0
    pending: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scrub(data: dict[str, Any] | None) -> dict[str, Any]:
    """What may stay of an event's data: numbers, flags and identifiers."""
    return {key: value for key, value in (data or {}).items() if _safe(key, value)}


def _safe(key: str, value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return key in SAFE_KEYS
    return isinstance(value, list) and all(isinstance(v, int) for v in value)


def person_contacts(session: Session, contact: Contact) -> list[Contact]:
    if contact.beneficiary_id is None:
        return [contact]
    return list(
        session.scalars(select(Contact).where(Contact.beneficiary_id == contact.beneficiary_id))
    )


def erase_messages(
    session: Session, contact_ids: list[int] | None, before: datetime | None = None
) -> int:
    """Message texts to NULL. A reply still waiting to be sent keeps its text (ours, and it
    must reach the person). ``contact_ids`` None: everyone's; ``before``: only older ones."""
    query = update(Message).where(
        or_(Message.direction == MessageDirection.inbound, Message.status != MessageStatus.queued),
        or_(Message.text.is_not(None), Message.error_detail.is_not(None)),
    )
    if contact_ids is not None:
        query = query.where(Message.contact_id.in_(contact_ids))
    if before is not None:
        query = query.where(Message.created_at < before)
    result = session.execute(
        query.values(text=None, payload={}, error_detail=None),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _kept_rows(
    session: Session, model: Any, beneficiary_id: int, before: datetime | None = None
) -> tuple[set[int], set[int]]:
    """(rows kept, rows erased) of a declaration table: validated or staff-made rows stay, with
    the rows they supersede (the validation's history); the person's own others go (with
    ``before``, only those older than that)."""
    rows = session.execute(
        select(
            model.id, model.status, model.acted_by_id, model.supersedes_id, model.created_at
        ).where(model.beneficiary_id == beneficiary_id)
    ).all()
    supersedes = {row.id: row.supersedes_id for row in rows}
    kept = {row.id for row in rows if row.status in KEPT_STATUSES or row.acted_by_id}
    stack = list(kept)
    while stack:
        previous = supersedes.get(stack.pop())
        if previous is not None and previous not in kept:
            kept.add(previous)
            stack.append(previous)
    young = {row.id for row in rows if before is not None and row.created_at >= before}
    return kept, {row.id for row in rows} - kept - young


def erase_declarations(
    session: Session, beneficiary_id: int, result: Erasure, before: datetime | None = None
) -> None:
    """Unvalidated declarations and the pre-diagnostics no kept row needs go (with ``before``,
    only those older than that: the retention job)."""
    for model in (SituationItem, ProfessionalProject):
        _kept, erased = _kept_rows(session, model, beneficiary_id, before)
        if erased:
            # Nulled first: an erased row may supersede another erased row.
            session.execute(
                update(model).where(model.id.in_(erased)).values(supersedes_id=None),
                execution_options={"synchronize_session": False},
            )
            session.execute(
                delete(model).where(model.id.in_(erased)),
                execution_options={"synchronize_session": False},
            )
            result.declarations += len(erased)
    # A pre-diagnostic stays when validated or still needed by a declaration that stays.
    needed = {
        p
        for model in (SituationItem, ProfessionalProject)
        for p in session.scalars(
            select(model.prediagnostic_id).where(model.beneficiary_id == beneficiary_id)
        )
        if p is not None
    }
    prediags = session.execute(
        select(Prediagnostic.id, Prediagnostic.status, Prediagnostic.created_at).where(
            Prediagnostic.beneficiary_id == beneficiary_id
        )
    ).all()
    keep = {p.id for p in prediags if p.status == PrediagnosticStatus.validated} | needed
    if before is not None:
        keep |= {p.id for p in prediags if p.created_at >= before}
    gone = [p.id for p in prediags if p.id not in keep]
    if keep:
        # A kept pre-diagnostic keeps what its answers mean, not the words typed.
        session.execute(
            update(PrediagnosticAnswer)
            .where(PrediagnosticAnswer.prediagnostic_id.in_(keep))
            .values(raw_text=None),
            execution_options={"synchronize_session": False},
        )
        result.kept_prediagnostics = len(keep)
    if gone:
        answers = session.execute(
            delete(PrediagnosticAnswer).where(PrediagnosticAnswer.prediagnostic_id.in_(gone)),
            execution_options={"synchronize_session": False},
        )
        result.answers = int(answers.rowcount or 0)  # type: ignore[attr-defined]
        session.execute(
            update(OrientationSuggestion)
            .where(OrientationSuggestion.prediagnostic_id.in_(gone))
            .values(supersedes_id=None),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(OrientationSuggestion).where(OrientationSuggestion.prediagnostic_id.in_(gone)),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(Prediagnostic).where(Prediagnostic.id.in_(gone)),
            execution_options={"synchronize_session": False},
        )
        result.prediagnostics = len(gone)


def _of_person(model: Any, beneficiary_id: int | None, contact_ids: list[int]) -> Any:
    """Rows about the person: by one of their contacts, or by the person."""
    condition = model.contact_id.in_(contact_ids)
    if beneficiary_id is not None:
        condition = or_(condition, model.beneficiary_id == beneficiary_id)
    return condition


def erase_events(session: Session, beneficiary_id: int | None, contact_ids: list[int]) -> int:
    condition = _of_person(Event, beneficiary_id, contact_ids)
    count = 0
    fallbacks: set[int] = set()
    for event in session.scalars(select(Event).where(condition)):
        if event.kind == EventKind.nlu_fallback:
            fallbacks.add(event.id)
        count += _scrub_event(event)
    if fallbacks:
        # A coordinator's decision on a message not understood copies its text
        # (backend/web/fallbacks.py) and names no person, only the fallback event.
        for event in session.scalars(
            select(Event).where(Event.kind == EventKind.nlu_fallback_assigned)
        ):
            if (event.data or {}).get("fallback_event_id") in fallbacks:
                count += _scrub_event(event)
    return count


def _scrub_event(event: Event) -> int:
    cleaned = scrub(event.data)
    if cleaned == (event.data or {}):
        return 0
    event.data = cleaned
    return 1


def erase_requests(session: Session, beneficiary_id: int | None, contact_ids: list[int]) -> int:
    count = 0
    updates = _of_person(SituationUpdate, beneficiary_id, contact_ids)
    for update_row in session.scalars(select(SituationUpdate).where(updates)):
        update_row.data = scrub(update_row.data)
        count += 1
    callbacks = _of_person(CallbackRequest, beneficiary_id, contact_ids)
    for callback in session.scalars(select(CallbackRequest).where(callbacks)):
        callback.reason = callback.preferred_time = None
        count += 1
    return count


def erase_person(session: Session, contact: Contact, message_id: int | None = None) -> Erasure:
    """Erase what the person behind ``contact`` said; the caller commits."""
    result = Erasure()
    contacts = person_contacts(session, contact)
    contact_ids = [c.id for c in contacts]
    beneficiary: Beneficiary | None = contact.beneficiary
    beneficiary_id = beneficiary.id if beneficiary else None
    session.flush()
    result.messages = erase_messages(session, contact_ids)
    if beneficiary is not None:
        erase_declarations(session, beneficiary.id, result)
        if beneficiary.identification == Identification.pending:
            # What a pending person typed to be recognised (a name, a date of birth).
            result.pending = True
            beneficiary.first_name = beneficiary.last_name = beneficiary.email = None
            beneficiary.birth_date = None
    result.events = erase_events(session, beneficiary_id, contact_ids)
    result.requests = erase_requests(session, beneficiary_id, contact_ids)
    record_event(
        session,
        AUDIT_KIND,
        contact_id=contact.id,
        beneficiary_id=beneficiary_id,
        message_id=message_id,
        data=result.as_dict(),
    )
    if beneficiary is not None and beneficiary.structure_id is not None:
        # The referent learns it was done; nothing is left for them to do but read it.
        session.add(
            SituationUpdate(
                beneficiary_id=beneficiary.id,
                contact_id=contact.id,
                kind=INBOX_KIND,
                data={},
                source_message_id=message_id,
            )
        )
    for each in contacts:
        queue.enqueue(
            session,
            TRACKER_TASK,
            {"sender_id": str(each.id)},
            key=contact_key(each.id),  # after the turn in progress (channels/pipeline.py)
        )
    session.flush()
    logger.info(
        "erasure for contact %s: %s messages, %s declarations",
        contact.id,
        result.messages,
        result.declarations,
    )
    return result


def tracker_url() -> str | None:
    """Rasa's SQL tracker store (bot/endpoints.yml: RASA_TRACKER_DB, a SQLite file or a URL)."""
    configured = get_settings().rasa_tracker_db
    if not configured:
        return None
    if "://" in configured:
        return configured
    if not Path(configured).exists():
        return None  # no conversation was ever stored
    return f"sqlite:///{configured}"


def erase_tracker(sender_id: str, before: float | None = None) -> int:
    """Delete the conversation's events from Rasa's tracker store (with ``before``, a Unix
    time, only older ones); returns how many. Run under the contact's key, between turns."""
    url = tracker_url()
    if url is None:
        return 0
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
                return 0
            query = "DELETE FROM events WHERE sender_id = :sender"
            params: dict[str, Any] = {"sender": sender_id}
            if before is not None:
                query += " AND timestamp < :before"
                params["before"] = before
            result = connection.execute(text(query), params)
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def tracker_senders_before(before: float) -> list[str]:
    """The conversations of Rasa's tracker store holding events older than ``before``."""
    url = tracker_url()
    if url is None:
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("events"):
                return []
            rows = connection.execute(
                text("SELECT DISTINCT sender_id FROM events WHERE timestamp < :before"),
                {"before": before},
            )
            return [str(row[0]) for row in rows]
    finally:
        engine.dispose()
