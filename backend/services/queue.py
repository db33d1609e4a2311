"""A persistent task queue on the backend database (SQLite or PostgreSQL).

Safe with several workers: a task is claimed by a conditional UPDATE, and tasks sharing a
``key`` (one contact's inbound messages, say) run one at a time and in id order, guarded by a
row in ``key_leases`` whose INSERT is the lock.

On PostgreSQL a task due now is also announced (``NOTIFY task_ready``, sent at the commit that
stores it): workers listening start on it at once rather than at their next poll
(backend/worker.py). SQLite has no such signal; workers poll it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, delete, exists, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from backend.core.clock import utcnow
from backend.core.db import insert_unless_duplicate
from backend.models import KeyLease, Task, TaskStatus

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120
# The PostgreSQL channel a task due now is announced on; its payload is empty (one wake-up).
TASK_CHANNEL = "task_ready"
_ANNOUNCE = text(f"NOTIFY {TASK_CHANNEL}")
# Keys whose new tasks this thread runs itself next (a turn's replies): not announced, or every
# worker would wake for them and find them taken.
_run_here: ContextVar[frozenset[str]] = ContextVar("run_here", default=frozenset())


@contextmanager
def runs_here(key: str | None) -> Iterator[None]:
    """Within: tasks queued for ``key`` are left to this thread (not announced)."""
    token = _run_here.set(_run_here.get() | {key} if key else _run_here.get())
    try:
        yield
    finally:
        _run_here.reset(token)


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
    else:
        # Another process may have queued it first: the unique key refuses it in the INSERT
        # itself (no savepoint around it, which costs two more round trips on PostgreSQL).
        task = insert_unless_duplicate(session, Task, values, unique=("dedupe_key",))
    if task is not None and run_at is None and key not in _run_here.get():
        announce(session)
    return task


def announce(session: Session) -> None:
    """Wake a listening worker when this transaction commits (PostgreSQL; nothing on SQLite).
    A rollback sends nothing; several in one transaction are delivered as one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ANNOUNCE)


def acquire_lease(session: Session, key: str, owner: str, seconds: int = LEASE_SECONDS) -> bool:
    now = utcnow()
    taken = _take_lease(session, key, owner, now, now + timedelta(seconds=seconds))
    session.commit()
    return taken


def _take_lease(session: Session, key: str, owner: str, now: datetime, expires: datetime) -> bool:
    """Insert the key's lease, or take over an expired one; False when another owner holds it.
    One statement, no savepoint: a held key is no error to roll back. No commit."""
    statement = _lease_statement(session.get_bind().dialect.name)
    params = {"lease_key": key, "lease_owner": owner, "lease_now": now, "lease_until": expires}
    return session.execute(statement, params).first() is not None


@lru_cache(maxsize=4)
def _lease_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(KeyLease).values(
        key=bindparam("lease_key"),
        owner=bindparam("lease_owner"),
        expires_at=bindparam("lease_until"),
    )
    return statement.on_conflict_do_update(
        index_elements=[KeyLease.key],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=KeyLease.expires_at < bindparam("lease_now"),
    ).returning(KeyLease.key)


def release_lease(session: Session, key: str, owner: str) -> None:
    _drop_lease(session, key, owner)
    session.commit()


def _drop_lease(session: Session, key: str, owner: str) -> None:
    session.execute(_drop_lease_statement(), {"lease_key": key, "lease_owner": owner})


@lru_cache(maxsize=1)
def _drop_lease_statement() -> Any:
    """Built once; no ORM bookkeeping (no lease is ever loaded as an object): it cost 10% of a
    worker's CPU as an ORM DELETE built at each call (py-spy, bench/load.py)."""
    return (
        delete(KeyLease)
        .where(KeyLease.key == bindparam("lease_key"), KeyLease.owner == bindparam("lease_owner"))
        .execution_options(synchronize_session=False)
    )


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
    return claim_with_backlog(session, worker_id, kinds, key)[0]


def claim_with_backlog(
    session: Session, worker_id: str, kinds: set[str] | None = None, key: str | None = None
) -> tuple[Task | None, bool]:
    """``claim_next``, and whether more ready tasks were seen than the one claimed (the worker
    then wakes another of its threads for them)."""
    now = utcnow()
    expires = now + timedelta(seconds=LEASE_SECONDS)
    dialect = session.get_bind().dialect.name
    query = _ready_tasks(dialect, frozenset(kinds or ()), by_key=key is not None)
    params: dict[str, Any] = {"now": now, **({"key": key} if key is not None else {})}
    # Ids only: the one claimed comes back whole from the UPDATE.
    candidates = session.execute(query, params).all()
    for index, (task_id, task_key, attempts) in enumerate(candidates):
        # The key's lease and the claim in one transaction: one commit per claim, and the
        # candidate's row lock held until the task is marked running.
        if task_key and not _take_lease(session, task_key, worker_id, now, expires):
            continue  # the key is busy
        # Still the task that was read: on SQLite the read above is no snapshot, and meanwhile
        # another thread may have run it, failed and put it back for later (pending again, not
        # due yet): the same attempts and a due run_at say not.
        task = session.scalars(
            _claim_statement(),
            {
                "task_id": task_id,
                "seen_attempts": attempts,
                "claim_now": now,
                "owner": worker_id,
                "lock_until": expires,
            },
        ).first()
        if task is None:  # another worker claimed it first
            if task_key:
                _drop_lease(session, task_key, worker_id)
            continue
        session.commit()
        return task, index + 1 < len(candidates)
    session.commit()
    return None, False


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
        select(Task.id, Task.key, Task.attempts)
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
        # the oldest one (a lease refused, the next candidate, for each of them).
        query = query.with_for_update(skip_locked=True, of=Task)
    return query


@lru_cache(maxsize=1)
def _claim_statement() -> Any:
    """Mark one candidate running and return it whole (RETURNING: no second read)."""
    return (
        update(Task)
        .where(
            Task.id == bindparam("task_id"),
            Task.status == TaskStatus.pending,
            Task.attempts == bindparam("seen_attempts"),
            Task.run_at <= bindparam("claim_now"),
        )
        .values(
            status=TaskStatus.running,
            locked_by=bindparam("owner"),
            locked_until=bindparam("lock_until"),
            attempts=Task.attempts + 1,
        )
        .returning(Task)
        # The returned row wins over a copy the session may hold already (no evaluation of
        # the SET in Python, no stale status left on that copy).
        .execution_options(synchronize_session=False, populate_existing=True)
    )


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
