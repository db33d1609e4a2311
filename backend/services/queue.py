"""A persistent task queue on the backend database (SQLite or PostgreSQL).

Safe with several workers: a task is claimed by a conditional UPDATE, and tasks sharing a
``key`` (one contact's inbound messages, say) run one at a time and in id order, guarded by a
row in ``key_leases`` whose INSERT is the lock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from backend.core.clock import utcnow
from backend.core.db import insert_unless_duplicate
from backend.models import KeyLease, Task, TaskStatus

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
    look_first: bool = True,
) -> Task | None:
    """Add a task; with a ``dedupe_key`` already queued, returns None and adds nothing.

    ``look_first=False``: the key is most likely new (it names a row created in this
    transaction): no SELECT first, the unique constraint alone refuses a duplicate."""
    if dedupe_key is not None and look_first:
        existing = session.scalar(select(Task).where(Task.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    values = {
        "kind": kind,
        "payload": payload,
        "key": key,
        "run_at": run_at or utcnow(),
        "dedupe_key": dedupe_key,
        "max_attempts": max_attempts,
    }
    if dedupe_key is None:
        task = Task(**values)
        session.add(task)
        session.flush()
        return task
    # Another process may have queued it first: the unique key refuses it in the INSERT itself
    # (no savepoint around it, which costs two more round trips on PostgreSQL).
    return insert_unless_duplicate(session, Task, values, unique=("dedupe_key",))


def _take_lease(session: Session, key: str, owner: str, now: datetime, expires: datetime) -> None:
    """Insert the key's lease, an expired one cleared first; raises IntegrityError when another
    owner holds it. No commit: the caller's savepoint decides."""
    session.execute(delete(KeyLease).where(KeyLease.key == key, KeyLease.expires_at < now))
    session.add(KeyLease(key=key, owner=owner, expires_at=expires))
    session.flush()


def acquire_lease(session: Session, key: str, owner: str, seconds: int = LEASE_SECONDS) -> bool:
    now = utcnow()
    try:
        with session.begin_nested():
            _take_lease(session, key, owner, now, now + timedelta(seconds=seconds))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def release_lease(session: Session, key: str, owner: str) -> None:
    _drop_lease(session, key, owner)
    session.commit()


def _drop_lease(session: Session, key: str, owner: str) -> None:
    session.execute(delete(KeyLease).where(KeyLease.key == key, KeyLease.owner == owner))


def recover_stale(session: Session) -> int:
    """Put back tasks whose worker died mid-run (their lock expired)."""
    result = session.execute(
        update(Task)
        .where(Task.status == TaskStatus.running, Task.locked_until < utcnow())
        .values(status=TaskStatus.pending, locked_by=None, locked_until=None)
    )
    session.commit()
    return cast(CursorResult[Any], result).rowcount or 0


def claim_next(
    session: Session, worker_id: str, kinds: set[str] | None = None, key: str | None = None
) -> Task | None:
    """The oldest ready task (of one ``key`` if given), claimed for ``worker_id``."""
    now = utcnow()
    query = _ready_tasks(
        session.get_bind().dialect.name, frozenset(kinds or ()), by_key=key is not None
    )
    params: dict[str, Any] = {"now": now, **({"key": key} if key is not None else {})}
    for task in session.scalars(query, params).all():
        expires = now + timedelta(seconds=LEASE_SECONDS)
        try:
            # The key's lease and the claim in one transaction: one commit per claim, and the
            # candidate's row lock held until the task is marked running.
            with session.begin_nested():
                if task.key:
                    _take_lease(session, task.key, worker_id, now, expires)
                # Still the task that was read: on SQLite the read above is no snapshot, and
                # meanwhile another thread may have run it, failed and put it back for later
                # (pending again, not due yet): the same attempts and a due run_at say not.
                claimed = session.execute(
                    update(Task)
                    .where(
                        Task.id == task.id,
                        Task.status == TaskStatus.pending,
                        Task.attempts == task.attempts,
                        Task.run_at <= now,
                    )
                    .values(
                        status=TaskStatus.running,
                        locked_by=worker_id,
                        locked_until=expires,
                        attempts=Task.attempts + 1,
                    )
                )
                if cast(CursorResult[Any], claimed).rowcount != 1:
                    raise _Taken
        except (IntegrityError, _Taken):
            continue  # the key is busy, or another worker claimed the task first
        session.commit()
        # No refresh: the ORM UPDATE has set what it wrote on ``task`` already (its
        # synchronize_session evaluates the new values in Python).
        return task
    session.commit()
    return None


@lru_cache(maxsize=16)
def _ready_tasks(dialect: str, kinds: frozenset[str], *, by_key: bool) -> Any:
    """The claim's query, built once per process and shape (building it cost more CPU than
    running it); ``now`` and ``key`` are bound at each claim."""
    older = aliased(Task)
    blocked_by_older = exists().where(
        and_(
            older.key == Task.key,
            older.id < Task.id,
            older.status.in_((TaskStatus.pending, TaskStatus.running)),
        )
    )
    query = (
        select(Task)
        .where(Task.status == TaskStatus.pending, Task.run_at <= bindparam("now"))
        .where((Task.key.is_(None)) | ~blocked_by_older)
        .order_by(Task.run_at, Task.id)
        .limit(20)
    )
    if kinds:
        query = query.where(Task.kind.in_(sorted(kinds)))
    if by_key:
        query = query.where(Task.key == bindparam("key"))
    if dialect == "postgresql":
        # Workers polling at once each lock different candidates instead of all racing for
        # the oldest one (a lease refused, a rollback, the next candidate, for each of them).
        query = query.with_for_update(skip_locked=True, of=Task)
    return query


class _Taken(Exception):
    """Another worker claimed the task between the query and the update."""


def complete(session: Session, task: Task, worker_id: str) -> None:
    task.status = TaskStatus.done
    task.finished_at = utcnow()
    task.locked_by = None
    task.locked_until = None
    _release_and_commit(session, task, worker_id)


def _release_and_commit(session: Session, task: Task, worker_id: str) -> None:
    """The task's new state and its key's lease released, in one commit."""
    if task.key:
        _drop_lease(session, task.key, worker_id)
    session.commit()


def fail(
    session: Session,
    task: Task,
    worker_id: str,
    error: str,
    retry_in: float | None = None,
    *,
    count_attempt: bool = True,
) -> None:
    """Retry with exponential backoff, or give up after ``max_attempts``.

    ``count_attempt=False``: the failure was a service's, not the task's (Rasa restarting):
    retried without using up one of its attempts."""
    if not count_attempt:
        task.attempts = max(0, task.attempts - 1)
    task.last_error = error[:2000]
    task.locked_by = None
    task.locked_until = None
    if task.attempts >= task.max_attempts:
        task.status = TaskStatus.failed
        task.finished_at = utcnow()
        # Only the error's class: its message may quote a number or a text (kept in last_error).
        logger.error(
            "task %s (%s) failed for good: %s", task.id, task.kind, error.split(":", 1)[0][:100]
        )
    else:
        delay = retry_in if retry_in is not None else min(2**task.attempts, 300)
        task.status = TaskStatus.pending
        task.run_at = utcnow() + timedelta(seconds=delay)
    _release_and_commit(session, task, worker_id)
