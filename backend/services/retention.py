"""Retention: transcripts and unvalidated declarations are purged after RETENTION_DAYS.

A daily task (``TASK_KIND``) of the worker's queue empties the texts of older messages (ours
and the person's), of events and requests about a contact, deletes older unvalidated
declarations and the pre-diagnostics nothing validated needs (backend/services/erasure.py
decides what stays: validated items with their history, validated pre-diagnostics), and has
Rasa's older conversation events deleted, each conversation between two of its turns.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.models import (
    CallbackRequest,
    Event,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
    Task,
    TaskStatus,
)
from backend.services import erasure, queue
from backend.services.events import EventKind, record_event

logger = logging.getLogger(__name__)

TASK_KIND = "retention_purge"
EVERY = timedelta(days=1)
FALLBACK_KINDS = (EventKind.nlu_fallback, EventKind.nlu_fallback_assigned)


def cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=get_settings().retention_days)


def purge(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Purge what is older than the retention; returns counts (no content) for the audit."""
    before = cutoff(now)
    counts = erasure.Erasure()
    counts.messages = erasure.erase_messages(session, None, before=before)
    people: set[int] = set()
    for model in (SituationItem, ProfessionalProject, Prediagnostic):
        people |= set(
            session.scalars(
                select(model.beneficiary_id).where(model.created_at < before).distinct()
            )
        )
    for beneficiary_id in sorted(people):
        erasure.erase_declarations(session, beneficiary_id, counts, before=before)
    counts.kept_prediagnostics = 0  # per person in an erasure; meaningless summed here
    for event in session.scalars(
        select(Event).where(
            Event.created_at < before,
            or_(Event.contact_id.is_not(None), Event.kind.in_(FALLBACK_KINDS)),
        )
    ):
        counts.events += erasure._scrub_event(event)
    for request in session.scalars(
        select(SituationUpdate).where(SituationUpdate.created_at < before)
    ):
        cleaned = erasure.scrub(request.data)
        if cleaned != (request.data or {}):
            request.data = cleaned
            counts.requests += 1
    for callback in session.scalars(
        select(CallbackRequest).where(
            CallbackRequest.created_at < before,
            or_(CallbackRequest.reason.is_not(None), CallbackRequest.preferred_time.is_not(None)),
        )
    ):
        callback.reason = callback.preferred_time = None
        counts.requests += 1
    senders = erasure.tracker_senders_before(before.timestamp())
    for sender in senders:
        queue.enqueue(
            session,
            erasure.TRACKER_TASK,
            {"sender_id": sender, "before": before.timestamp()},
            key=f"contact:{sender}",  # between two turns of that conversation
        )
    result = {**counts.as_dict(), "conversations": len(senders)}
    result.pop("pending", None)
    result.pop("kept_prediagnostics", None)
    record_event(
        session, EventKind.retention_purged, data={**result, "days": get_settings().retention_days}
    )
    session.flush()
    logger.info("retention purge: %s", result)
    return result


def schedule_next(session: Session, now: datetime | None = None) -> Task | None:
    """The next daily run (one per day: its dedupe key is the day)."""
    at = (now or utcnow()) + EVERY
    return queue.enqueue(
        session, TASK_KIND, {}, run_at=at, dedupe_key=f"{TASK_KIND}:{at.date().isoformat()}"
    )


def ensure_scheduled(session: Session, now: datetime | None = None) -> None:
    """At worker start: a run is pending, or one is queued now."""
    pending = session.scalar(
        select(Task.id).where(
            Task.kind == TASK_KIND, Task.status.in_((TaskStatus.pending, TaskStatus.running))
        )
    )
    if pending is None:
        moment = now or utcnow()
        queue.enqueue(
            session, TASK_KIND, {}, run_at=moment,
            dedupe_key=f"{TASK_KIND}:start:{moment.isoformat()}",
        )  # fmt: skip


def run(payload: dict[str, Any]) -> dict[str, Any]:
    from backend.core.db import session_scope

    with session_scope() as session:
        result = purge(session)
        schedule_next(session)
    return result
